app_name = "charting"

urlpatterns: list = []
