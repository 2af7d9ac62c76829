from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "charting.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from audit.registry import patient_via, register_url_kwarg

        from .models import ReportJob

        # A job page is a read of the patient's record (none for a clinic export);
        # the download records its own "download" event.
        register_url_kwarg("job_id", patient_via(ReportJob), object_type="reports.reportjob")
