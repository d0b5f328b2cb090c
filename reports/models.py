"""Aggregate (snapshot) tables: what dashboards, the stats API and the summary exports read.

Never written by hand: `reports.aggregates` recomputes them from the household reviews, the household totals and
the budget lines (incrementally for one unit and year after an import or a budget entry, fully every night and by
`manage.py recompute_stats`). Nothing here holds a name or an ID number.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from provinces.models import AdministrativeUnit
from reports.models_figures import PovertyFiguresBase


class PovertyAggregate(PovertyFiguresBase):
    """One unit (commune, district or province, in force at the end of `year`) × review year × group.

    Counts come from the periodic reviews of the year in the unit's communes, by the engine's classification;
    `total_households` is the denominator (`provinces.HouseholdTotal` rolled up; NULL = unknown, so every rate is
    unknown, never 0). `communes_reviewed` of `communes_total` tells whether the figure is complete.
    """

    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="poverty_aggregates"
    )
    computed_at = models.DateTimeField(_("tính lúc"), auto_now=True)

    class Meta:
        verbose_name = _("số liệu tổng hợp rà soát")
        verbose_name_plural = _("số liệu tổng hợp rà soát")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "group"], name="poverty_aggregate_unit_year_group_unique"),
        ]
        indexes = [
            models.Index(fields=["year", "group", "level"], name="poverty_aggregate_level_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}/{self.group}: {self.poor}/{self.total_households}"


class DisbursementAggregate(models.Model):
    """Budget lines summed per unit × fiscal year × source × project × month of disbursement.

    `month` 0 holds the allocation (plan) figures of the year; months 1–12 the amounts disbursed in that month.
    Rolled up: a district's or province's rows include the lines of the units below it.
    """

    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="disbursement_aggregates"
    )
    year = models.PositiveSmallIntegerField(_("năm kế hoạch"))
    source = models.CharField(_("nguồn vốn"), max_length=8)
    project = models.CharField(_("dự án"), max_length=10)
    month = models.PositiveSmallIntegerField(_("tháng"), default=0)
    allocated_vnd = models.BigIntegerField(_("kế hoạch vốn (đồng)"), default=0)
    disbursed_vnd = models.BigIntegerField(_("đã giải ngân (đồng)"), default=0)
    computed_at = models.DateTimeField(_("tính lúc"), auto_now=True)

    class Meta:
        verbose_name = _("số liệu tổng hợp giải ngân")
        verbose_name_plural = _("số liệu tổng hợp giải ngân")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "source", "project", "month"], name="disbursement_aggregate_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}/{self.source}/{self.project}/{self.month}"


class AggregateRun(models.Model):
    """One recomputation: what was recomputed, why, how long it took. The dashboard shows the last one."""

    class Scope(models.TextChoices):
        FULL = "full", _("Toàn bộ")
        INCREMENTAL = "incremental", _("Một đơn vị, một năm")

    scope = models.CharField(_("phạm vi"), max_length=12, choices=Scope.choices)
    unit = models.ForeignKey(AdministrativeUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"), null=True, blank=True)
    reason = models.CharField(_("lý do"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("số dòng tổng hợp"), default=0)
    started_at = models.DateTimeField(_("bắt đầu"))
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lần tính số liệu tổng hợp")
        verbose_name_plural = _("lần tính số liệu tổng hợp")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.scope} {self.unit_id or ''}/{self.year or ''} {self.started_at:%Y-%m-%d %H:%M}"


def export_path(job: "ExportJob", filename: str) -> str:
    return f"exports/{job.created_at:%Y/%m}/{job.pk}-{filename}"


class ExportJob(models.Model):
    """One Excel export run as a Celery job (large household lists): status, progress, the file once done.

    The file lives under MEDIA_ROOT (var/media by default) and only its owner may download it (another user,
    even of the same unit, gets a 404).
    """

    class Kind(models.TextChoices):
        HOUSEHOLDS = "households", _("Danh sách hộ")
        SUMMARY = "summary", _("Tổng hợp kết quả rà soát")
        DISBURSEMENT = "disbursement", _("Giải ngân theo dự án và nguồn vốn")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang tạo tệp")
        DONE = "done", _("Xong")
        FAILED = "failed", _("Lỗi")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người yêu cầu"), on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    parameters = models.JSONField(_("tham số"), default=dict, blank=True)
    status = models.CharField(_("trạng thái"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    rows = models.PositiveIntegerField(_("số dòng"), default=0)
    file = models.FileField(_("tệp"), upload_to=export_path, max_length=300, blank=True)
    file_name = models.CharField(_("tên tệp tải về"), max_length=200, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    created_at = models.DateTimeField(_("yêu cầu lúc"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("tệp xuất Excel")
        verbose_name_plural = _("tệp xuất Excel")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="export_job_owner_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.unit_id}/{self.year} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


from reports.models_analysis import SavedAnalysis  # noqa: E402, F401 - the saved analysis views (issue 20)
from reports.models_publications import Publication, PublicationFigure  # noqa: E402, F401 - issue 17
