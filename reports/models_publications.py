"""Published figures (docs/domain.md §10): a province-year published by a decision, as versions, each with the frozen
copy of the aggregate rows of that province-year (every unit of the province, every group) taken when it was
published. Written only by `reports.publications`; never changed afterwards except for the reopening stamp.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from provinces.models import AdministrativeUnit
from reports.models_figures import PovertyFiguresBase


class Publication(models.Model):
    """One version of a province-year's published figures. `reopened_at` set: no longer the official figures
    (a later version, if any, is)."""

    province = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("tỉnh"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("năm rà soát"))
    version = models.PositiveSmallIntegerField(_("lần công bố"))
    decision_number = models.CharField(_("số quyết định"), max_length=60)
    decision_date = models.DateField(_("ngày quyết định"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người công bố"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    published_at = models.DateTimeField(_("công bố lúc"), auto_now_add=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người mở lại"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    reopened_at = models.DateTimeField(_("mở lại lúc"), null=True, blank=True)
    reopen_reason = models.TextField(_("lý do mở lại"), blank=True)
    changed_at = models.DateTimeField(_("thay đổi lúc"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("công bố kết quả rà soát")
        verbose_name_plural = _("công bố kết quả rà soát")
        ordering = ["province", "year", "version"]
        constraints = [
            models.UniqueConstraint(fields=["province", "year", "version"], name="publication_version_unique"),
            models.UniqueConstraint(
                fields=["province", "year"], condition=models.Q(reopened_at__isnull=True),
                name="publication_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province_id}/{self.year} v{self.version}: {self.decision_number}"

    @property
    def is_current(self) -> bool:
        return self.reopened_at is None

    @property
    def decision_label(self) -> str:
        return f"{self.decision_number} ngày {self.decision_date:%d/%m/%Y}"


class PublicationFigure(PovertyFiguresBase):
    """A copy of one `PovertyAggregate` row (same fields) at the time of publishing."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="figures")
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("số liệu đã công bố")
        verbose_name_plural = _("số liệu đã công bố")
        constraints = [
            models.UniqueConstraint(fields=["publication", "unit", "group"], name="publication_figure_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.publication_id}: {self.unit_id}/{self.group}"
