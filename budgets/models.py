"""Budget lines (kế hoạch vốn) of the programme, their dated entries, and the disbursements against them.

Money is whole VND in BigIntegerFields, never floats; pages and exports show million VND.

* `Allocation` is one budget line: the funds of one fiscal year for one unit, project (or sub-project), source and
  capital type, coming from one origin year. `origin_year == fiscal_year` for the year's own funds; an earlier
  origin year means funds carried over (chuyển nguồn / kéo dài) from that year, kept on their own line so that
  progress on "extended capital" and on "this year's capital" can be told apart (docs/domain.md §7).
* `AllocationEntry` is a dated change to a line: the original assignment, an adjustment (signed), or the carry-over
  that brought earlier funds in. Entries are never edited or deleted: a correction is another adjustment.
* `Disbursement` is a dated payment against a line (a negative amount is a recovery/correction, with a note).

The line's `amount_vnd`, `disbursed_vnd` and `carried_out_vnd` are counters kept by budgets.services with F()
expressions (and rebuilt from the entries by `allocation_totals_recompute`); the check constraints make an
over-spent or over-carried line impossible whatever the code path.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programmes.models import PlanDocument, Project, SubProject
from provinces.models import AdministrativeUnit
from spreadsheets.jobs import JobErrorPage, SpreadsheetJob


class Source(models.TextChoices):
    CENTRAL = "central", _("Ngân sách trung ương")
    LOCAL = "local", _("Ngân sách địa phương")
    OTHER = "other", _("Vốn huy động hợp pháp khác")
    CREDIT = "credit", _("Vốn tín dụng chính sách")


class CapitalType(models.TextChoices):
    INVESTMENT = "investment", _("Vốn đầu tư phát triển")
    RECURRENT = "recurrent", _("Vốn sự nghiệp")


class BudgetImport(SpreadsheetJob):
    """One uploaded spreadsheet of allocations or disbursements, as a job (spreadsheets.jobs.SpreadsheetJob):
    queued with its file kept, then run by the worker (budgets.importing.pipeline.budget_import_process) to
    committed, whole, or rejected with its row problems. It is also the audit of what the file wrote (who, when,
    file, SHA-256; the entries and payments point back to it)."""

    class Kind(models.TextChoices):
        ALLOCATIONS = "allocations", _("Kế hoạch vốn")
        DISBURSEMENTS = "disbursements", _("Giải ngân")

    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("đơn vị của người tải lên"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    # created: entries (allocations) or payments (disbursements) written; updated: budget lines that existed
    # before the file and whose figures it changed.
    created = models.PositiveIntegerField(_("số bút toán đã ghi"), default=0)
    updated = models.PositiveIntegerField(_("số dòng kế hoạch vốn đã có được cập nhật"), default=0)

    class Meta(SpreadsheetJob.Meta):
        verbose_name = _("lần nhập bảng tính ngân sách")
        verbose_name_plural = _("lần nhập bảng tính ngân sách")
        indexes = [models.Index(fields=["unit", "-created_at"], name="budget_import_unit_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name} · {self.get_status_display()}"


class BudgetImportErrorPage(JobErrorPage):
    """Page `number` (2, 3, …) of a rejected budget import's errors (the first page is on the job), so that none is
    lost however many rows the file had (up to IMPORT_MAX_ROWS, as the review import)."""

    job = models.ForeignKey(BudgetImport, on_delete=models.CASCADE, related_name="error_pages", db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="budget_import_error_page_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.number}"


class Allocation(models.Model):
    """A budget line: fiscal year × origin year × unit × project/sub-project × source × capital type."""

    fiscal_year = models.PositiveSmallIntegerField(_("năm kế hoạch"))
    origin_year = models.PositiveSmallIntegerField(
        _("năm của nguồn vốn"), help_text=_("Bằng năm kế hoạch cho vốn của năm; năm trước đó cho vốn chuyển nguồn.")
    )
    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT,
                             related_name="budget_allocations")
    project = models.ForeignKey(Project, verbose_name=_("dự án"), on_delete=models.PROTECT,
                                related_name="budget_allocations")
    subproject = models.ForeignKey(SubProject, verbose_name=_("tiểu dự án"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="budget_allocations")
    source = models.CharField(_("nguồn vốn"), max_length=8, choices=Source.choices)
    capital_type = models.CharField(_("loại vốn"), max_length=10, choices=CapitalType.choices)

    # Counters, written only by budgets.services (F() updates or a recompute from the entries).
    amount_vnd = models.BigIntegerField(_("kế hoạch vốn (đồng)"), default=0)
    disbursed_vnd = models.BigIntegerField(_("đã giải ngân (đồng)"), default=0)
    carried_out_vnd = models.BigIntegerField(_("đã chuyển nguồn sang năm sau (đồng)"), default=0)

    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Who changed what and when (django-simple-history). The counters move in SQL (budgets.services._bump), which
    # writes the history row itself; spreadsheet imports are audited by their BudgetImport (who, when, file, sha256).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dòng kế hoạch vốn")
        verbose_name_plural = _("dòng kế hoạch vốn")
        ordering = ["fiscal_year", "origin_year", "pk"]  # lists order by unit and project explicitly (selectors)
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "origin_year", "unit", "project", "source", "capital_type"],
                condition=Q(subproject__isnull=True), name="budget_allocation_line_unique",
            ),
            models.UniqueConstraint(
                fields=["fiscal_year", "origin_year", "unit", "project", "subproject", "source", "capital_type"],
                condition=Q(subproject__isnull=False), name="budget_allocation_subproject_line_unique",
            ),
            models.CheckConstraint(condition=Q(origin_year__lte=F("fiscal_year")),
                                   name="budget_allocation_origin_not_after_fiscal_year"),
            models.CheckConstraint(condition=Q(amount_vnd__gte=0), name="budget_allocation_amount_not_negative"),
            models.CheckConstraint(condition=Q(disbursed_vnd__gte=0), name="budget_allocation_disbursed_not_negative"),
            models.CheckConstraint(condition=Q(carried_out_vnd__gte=0),
                                   name="budget_allocation_carried_out_not_negative"),
            models.CheckConstraint(
                condition=Q(amount_vnd__gte=F("disbursed_vnd") + F("carried_out_vnd")),
                name="budget_allocation_not_overspent",
            ),
        ]
        indexes = [
            models.Index(fields=["fiscal_year", "unit"], name="budget_alloc_year_unit_idx"),
        ]

    def __str__(self) -> str:
        # As the pages name a line (audit history): "DA1 · Huyện Na Rì · 2025 · Ngân sách trung ương, vốn đầu tư …".
        code = self.subproject.code if self.subproject_id else self.project.code
        return (f"{code} · {self.unit.name} · {self.fiscal_year} · {self.get_source_display()}, "
                f"{str(self.get_capital_type_display()).lower()}")

    @property
    def is_carry_over(self) -> bool:
        return self.origin_year < self.fiscal_year

    @property
    def remaining_vnd(self) -> int:
        """Funds of the line neither disbursed nor carried over to the next year."""
        return self.amount_vnd - self.disbursed_vnd - self.carried_out_vnd

    @property
    def project_code(self) -> str:
        return self.subproject.code if self.subproject_id else self.project.code


class AllocationEntry(models.Model):
    """A dated change to a budget line, with its legal basis. Never edited, never deleted."""

    class Kind(models.TextChoices):
        ORIGINAL = "original", _("Giao kế hoạch vốn")
        ADJUSTMENT = "adjustment", _("Điều chỉnh")
        CARRY_OVER = "carry_over", _("Chuyển nguồn từ năm trước")

    allocation = models.ForeignKey(Allocation, verbose_name=_("dòng kế hoạch vốn"), on_delete=models.PROTECT,
                                   related_name="entries")
    kind = models.CharField(_("loại bút toán"), max_length=12, choices=Kind.choices)
    amount_vnd = models.BigIntegerField(_("số tiền (đồng)"))
    carried_from = models.ForeignKey(
        Allocation, verbose_name=_("chuyển từ dòng"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="carried_out_entries",
        help_text=_("Dòng của năm trước mà khoản chuyển nguồn này lấy từ phần chưa giải ngân."),
    )
    legal_basis_number = models.CharField(_("số văn bản"), max_length=100)
    legal_basis_date = models.DateField(_("ngày văn bản"))
    plan_document = models.ForeignKey(PlanDocument, verbose_name=_("văn bản trong sổ kế hoạch"), null=True,
                                      blank=True, on_delete=models.SET_NULL, related_name="budget_entries")
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    reference = models.CharField(_("mã tham chiếu"), max_length=80, blank=True)
    batch = models.ForeignKey(BudgetImport, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="allocation_entries")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("bút toán kế hoạch vốn")
        verbose_name_plural = _("bút toán kế hoạch vốn")
        ordering = ["legal_basis_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["allocation"], condition=Q(kind="original"),
                                    name="budget_entry_one_original_per_line"),
            models.UniqueConstraint(fields=["allocation", "reference"], condition=~Q(reference=""),
                                    name="budget_entry_reference_unique"),
            models.CheckConstraint(
                condition=(Q(kind="adjustment") & ~Q(amount_vnd=0))
                | (Q(kind__in=["original", "carry_over"]) & Q(amount_vnd__gt=0)),
                name="budget_entry_amount_sign",
            ),
            models.CheckConstraint(
                condition=Q(kind="carry_over", carried_from__isnull=False) | (~Q(kind="carry_over")
                                                                               & Q(carried_from__isnull=True)),
                name="budget_entry_carry_over_has_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_vnd} ({self.legal_basis_number})"


class Disbursement(models.Model):
    """A payment against a budget line on a date (a negative amount records a recovery or a correction)."""

    allocation = models.ForeignKey(Allocation, verbose_name=_("dòng kế hoạch vốn"), on_delete=models.PROTECT,
                                   related_name="disbursements")
    disbursed_on = models.DateField(_("ngày giải ngân"))
    amount_vnd = models.BigIntegerField(_("số tiền (đồng)"))
    document = models.CharField(_("số chứng từ"), max_length=100, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    reference = models.CharField(_("mã tham chiếu"), max_length=80, blank=True)
    batch = models.ForeignKey(BudgetImport, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="disbursements")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)
    history = HistoricalRecords()  # who recorded, corrected or removed a payment, and when

    class Meta:
        verbose_name = _("giải ngân")
        verbose_name_plural = _("giải ngân")
        ordering = ["-disbursed_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_vnd=0), name="budget_disbursement_amount_not_zero"),
            models.UniqueConstraint(fields=["allocation", "reference"], condition=~Q(reference=""),
                                    name="budget_disbursement_reference_unique"),
        ]
        indexes = [models.Index(fields=["allocation", "disbursed_on"], name="budget_disb_line_date_idx")]

    def __str__(self) -> str:
        return f"{self.disbursed_on:%d/%m/%Y} {self.amount_vnd}"
