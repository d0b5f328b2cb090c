from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvincesConfig(AppConfig):
    name = "provinces"
    verbose_name = _("Đơn vị hành chính")

    def ready(self):
        from django.db.backends.signals import connection_created

        from provinces.collation import register_sqlite_collation

        connection_created.connect(register_sqlite_collation, dispatch_uid="provinces.vi_collation")
