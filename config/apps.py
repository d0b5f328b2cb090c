from django.apps import AppConfig


class ConfigAppConfig(AppConfig):
    name = "config"
    verbose_name = "config"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from config.two_factor import otp_step_after_login

        # Which second step a new session owes is decided once, at login, whatever the login path.
        user_logged_in.connect(otp_step_after_login, dispatch_uid="config.otp_step_after_login")
