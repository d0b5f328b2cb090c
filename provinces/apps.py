from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvincesConfig(AppConfig):
    name = "provinces"
    verbose_name = _("Đơn vị hành chính")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created

        from provinces.collation import register_sqlite_collation
        from provinces.two_factor import otp_step_after_login

        connection_created.connect(register_sqlite_collation, dispatch_uid="provinces.vi_collation")
        # Which second step a new session owes is decided once, at login, whatever the login path.
        user_logged_in.connect(otp_step_after_login, dispatch_uid="provinces.otp_step_after_login")
