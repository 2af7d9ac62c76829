from django.urls import path

from .views import chart, consent, lots

app_name = "charting"

urlpatterns = [
    path("visits/<int:visit_id>/chart/", chart.chart, name="chart"),
    path("visits/<int:visit_id>/chart/start/", chart.start, name="chart_start"),
    path("visits/<int:visit_id>/chart/save/", chart.save, name="chart_save"),
    path("visits/<int:visit_id>/chart/preview/", chart.preview, name="chart_preview"),
    path("visits/<int:visit_id>/chart/vial/", lots.vial_add, name="vial_add"),
    path("visits/<int:visit_id>/chart/adverse/", chart.adverse_event, name="adverse_event"),
    path("visits/<int:visit_id>/chart/sign/", chart.sign, name="sign"),
    path("visits/<int:visit_id>/chart/addendum/", chart.addendum, name="addendum"),
    path("visits/<int:visit_id>/aftercare/", chart.aftercare, name="aftercare"),
    path("visits/<int:visit_id>/aftercare/email/", chart.aftercare_email, name="aftercare_email"),
    path("visits/<int:visit_id>/consent/", consent.consent, name="consent"),
    path("consents/<int:consent_id>/withdraw/", consent.withdraw, name="consent_withdraw"),
    path("consents/<int:consent_id>/signature.png", consent.signature, name="consent_signature"),
    path("lots/", lots.lot_list, name="lot_list"),
    path("lots/new/", lots.lot_create, name="lot_create"),
    path("lots/<int:lot_id>/", lots.lot_edit, name="lot_edit"),
    path("recall/", lots.recall, name="lot_recall"),
    path("recall/export.csv", lots.recall_export, name="lot_recall_export"),
]
