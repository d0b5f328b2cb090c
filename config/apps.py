from django.apps import AppConfig


class ConfigAppConfig(AppConfig):
    name = "config"
    verbose_name = "config"
    # The login hook of the second factor (which step a new session owes) is connected by provinces.apps: the
    # second factor asks the user's role, which config does not know (config imports no app).
