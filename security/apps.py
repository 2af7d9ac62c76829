from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = "Security"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from .sessions import start_session_clock
        from .two_factor import drop_orphaned_backup_codes

        user_logged_in.connect(start_session_clock, dispatch_uid="security_session_clock")
        post_delete.connect(
            drop_orphaned_backup_codes, sender=TOTPDevice, dispatch_uid="security_backup_codes"
        )
