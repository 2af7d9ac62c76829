from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "charting.reports"
    label = "reports"
    verbose_name = "Reports"
