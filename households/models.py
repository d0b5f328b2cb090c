"""Poverty standards (versioned data), the household registry and its reviews.

Writes go through `households.services`, scoped reads through `households.selectors`; the rules themselves are
the pure functions of `households.classification`. Nothing here computes anything on save.
"""

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy as _

from config.audit import SavesOnlyHistoricalRecords
from households import classification
from provinces.models import AdministrativeUnit


def choices_of(name: str, values: type[StrEnum]) -> type[models.TextChoices]:
    """Model choices named `name` for a pure enum of `households.classification` (its members, values and labels,
    the labels translated)."""
    return models.TextChoices(name, [(member.name, (member.value, _(member.label))) for member in values])


class PovertyStandard(models.Model):
    """One multidimensional poverty standard, as data: `data` holds the whole entry of `data/standards.json`
    (income lines, middle ceilings, indicators, review years...), read by `classification.standards_from_data`."""

    code = models.CharField(_("mã chuẩn"), max_length=20, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=500, blank=True)
    data = models.JSONField(_("quy định"))
    to_confirm = models.BooleanField(
        _("cần đối chiếu văn bản"), default=False,
        help_text=_("Quy định chưa được đối chiếu với văn bản gốc; giao diện đánh dấu để cán bộ kiểm tra."),
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("chuẩn nghèo")
        verbose_name_plural = _("chuẩn nghèo")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """A household of the registry, identified by its code within its commune."""

    code = models.CharField(_("mã hộ"), max_length=40)
    head_name = models.CharField(_("họ và tên chủ hộ"), max_length=200)
    # `config.text.fold(head_name)`: lower-case ASCII, so "nguyen van an" finds "Nguyễn Văn An". Set by the writer.
    head_name_search = models.CharField(max_length=200, editable=False, blank=True)
    id_number = models.CharField(_("số CCCD/CMND chủ hộ"), max_length=20, blank=True)
    # No index of its own: household_commune_code_unique (commune, code) serves commune lookups. No database
    # constraint either, as for HouseholdReview.commune (reference data the application never deletes; PROTECT
    # still refuses in Django): it was one check per row at COMMIT, 0.5 s per 100,000 imported households.
    commune = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("xã/phường"), on_delete=models.PROTECT, related_name="households",
        db_index=False, db_constraint=False,
    )
    village = models.CharField(_("thôn/bản/tổ dân phố"), max_length=150, blank=True)
    ethnicity = models.CharField(_("dân tộc"), max_length=60, blank=True)
    is_ethnic_minority = models.BooleanField(_("hộ dân tộc thiểu số"), default=False)
    members = models.PositiveSmallIntegerField(_("số nhân khẩu"), default=1)
    is_female_head = models.BooleanField(_("chủ hộ là nữ"), default=False)
    has_disabled_member = models.BooleanField(_("có người khuyết tật"), default=False)
    has_person_with_merit = models.BooleanField(_("có người có công"), default=False)
    is_social_protection_beneficiary = models.BooleanField(_("thuộc diện bảo trợ xã hội"), default=False)
    # The import batch that created the household (NULL otherwise): reverting that batch deletes it again if it has
    # no reviews left. No index: only a revert reads it.
    created_by_batch_id = models.BigIntegerField(_("tạo bởi lần nhập"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    # Who changed what and when (django-simple-history): every save() by the services and pages. The import pipeline
    # writes and deletes in bulk (COPY/bulk_create, set-based DELETE) without per-row history: its ImportBatch (who,
    # when, file, sha256) and snapshots are the audit of those changes.
    history = SavesOnlyHistoricalRecords(excluded_fields=["head_name_search", "created_by_batch_id"])

    class Meta:
        verbose_name = _("hộ gia đình")
        verbose_name_plural = _("hộ gia đình")
        constraints = [
            models.UniqueConstraint(fields=["commune", "code"], name="household_commune_code_unique"),
        ]
        # No index on `code` alone: codes are looked up with their commune (the unique constraint's index) and
        # searched as text (the trigram index on upper(code), migration 0007), never compared whole on their own.

    def __str__(self) -> str:
        return f"{self.code} ({self.commune_id})"


class HouseholdReview(models.Model):
    """One review of a household: its inputs, the engine's classification and the commune's declared one.

    `commune` repeats the household's commune at the time of the review, so scoped lists filter on the review
    table alone. `transition` and `is_newly_escaped` depend on the household's earlier reviews and are kept up
    to date by `services.transitions_recompute`.
    """

    class Kind(models.TextChoices):
        PERIODIC = "periodic", _("Rà soát định kỳ")
        ADHOC = "adhoc", _("Rà soát thường xuyên (đột xuất)")

    # The contract values (docs/contracts.md §6) and their labels, defined once in households.classification.
    Classification = choices_of("Classification", classification.ClassificationValue)
    Transition = choices_of("Transition", classification.Transition)

    household = models.ForeignKey(
        Household, verbose_name=_("hộ"), on_delete=models.CASCADE, related_name="reviews", db_index=False
    )
    # commune and standard point at reference data the application never deletes (units are closed with valid_to;
    # standards_load never removes a standard), and Django's PROTECT still refuses to delete a referenced one. No
    # database constraint: each would be one check per row at COMMIT (0.3-0.5 s per 100,000 imported reviews), and
    # every writer takes the ids from rows it has just read (the importer from the units in force and the
    # standards of the year, review_record from the household and standards_all).
    # No index of its own either: every reader filters on the year too (review_list_idx, review_mismatch_idx).
    commune = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("xã/phường"), on_delete=models.PROTECT, related_name="household_reviews",
        db_constraint=False, db_index=False,
    )
    year = models.PositiveSmallIntegerField(_("năm rà soát"))
    kind = models.CharField(_("loại rà soát"), max_length=8, choices=Kind.choices, default=Kind.PERIODIC)
    review_date = models.DateField(_("ngày rà soát"), null=True, blank=True)
    # No index either: a handful of standards, each referenced by a large share of the reviews.
    standard = models.ForeignKey(
        PovertyStandard, verbose_name=_("chuẩn nghèo"), on_delete=models.PROTECT, related_name="reviews",
        db_constraint=False, db_index=False,
    )
    area = models.CharField(_("khu vực"), max_length=5, choices=AdministrativeUnit.Area.choices)
    income_per_capita = models.BigIntegerField(_("thu nhập bình quân đầu người/tháng (đồng)"))
    members = models.PositiveSmallIntegerField(_("số nhân khẩu"))
    deprivations = models.JSONField(_("chỉ số thiếu hụt"), default=list, blank=True)
    deprivation_count = models.PositiveSmallIntegerField(_("số chỉ số thiếu hụt"))
    classification = models.CharField(_("phân loại (hệ thống tính)"), max_length=10, choices=Classification.choices)
    declared_classification = models.CharField(
        _("phân loại (xã công nhận)"), max_length=10, choices=Classification.choices, blank=True
    )
    is_mismatch = models.BooleanField(_("khác với phân loại của xã"), default=False)
    # NULL: no year-on-year status (the contract's `null`), not an empty string.
    transition = models.CharField(  # noqa: DJ001
        _("biến động"), max_length=10, choices=Transition.choices, null=True, blank=True
    )
    is_newly_escaped = models.BooleanField(_("hộ mới thoát nghèo"), default=False)
    reason = models.TextField(_("lý do"), blank=True)
    # The import issue turns this into a foreign key to its ImportBatch (same column).
    import_batch_id = models.BigIntegerField(_("lần nhập"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    history = SavesOnlyHistoricalRecords()  # see Household.history: import paths are audited by their ImportBatch

    class Meta:
        verbose_name = _("kết quả rà soát")
        verbose_name_plural = _("kết quả rà soát")
        constraints = [
            # One periodic review per household and year (ad-hoc ones are told apart by their own id), and the
            # index of a household's reviews, by year: one index where there were two (a unique one on periodic
            # reviews and a plain one), each review imported writes one entry fewer.
            models.UniqueConstraint(
                F("household"), F("year"),
                Case(When(kind="periodic", then=Value(0)), default=F("id"), output_field=models.BigIntegerField()),
                name="review_household_year_unique",
            ),
            models.CheckConstraint(condition=Q(income_per_capita__gte=0), name="review_income_not_negative"),
            models.CheckConstraint(
                condition=Q(kind="periodic") | Q(review_date__isnull=False), name="review_adhoc_has_date"
            ),
        ]
        indexes = [
            # The scoped list: one year and kind, communes of a subtree, in list order (counts and pages from the
            # index alone).
            models.Index(fields=["year", "kind", "commune", "household", "id"], name="review_list_idx"),
            models.Index(
                fields=["year", "transition"], condition=Q(transition__isnull=False), name="review_year_transition_idx"
            ),
            models.Index(fields=["year", "commune"], condition=Q(is_mismatch=True), name="review_mismatch_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}/{self.year}/{self.kind}: {self.classification}"


class PersonalDataAccess(models.Model):
    """One look at personal data: a household page opened, or a household list exported (who, when, what).

    Written by `households.services.personal_data_access_record`; read, scoped to the unit of the data, by
    provincial staff and administrators (`households.selectors.personal_data_accesses_visible_to`).
    """

    class Action(models.TextChoices):
        HOUSEHOLD_VIEW = "household_view", _("Xem trang hộ gia đình")
        HOUSEHOLD_EXPORT = "household_export", _("Xuất danh sách hộ")

    action = models.CharField(_("thao tác"), max_length=20, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người xem"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("tên đăng nhập"), max_length=150)  # kept when the account is deleted
    role = models.CharField(_("vai trò"), max_length=20, blank=True)
    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("đơn vị của dữ liệu"), on_delete=models.PROTECT, related_name="+",
        help_text=_("Xã của hộ được xem, hoặc đơn vị của danh sách được xuất."),
    )
    household = models.ForeignKey(
        Household, verbose_name=_("hộ"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.CharField(_("nội dung"), max_length=500, blank=True)
    row_count = models.PositiveIntegerField(_("số hộ"), default=1)
    at = models.DateTimeField(_("lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("lượt truy cập dữ liệu cá nhân")
        verbose_name_plural = _("lượt truy cập dữ liệu cá nhân")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["unit", "at"], name="pd_access_unit_at_idx"),
            models.Index(fields=["household", "at"], name="pd_access_household_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.action} {self.unit_id} {self.at:%d/%m/%Y %H:%M}"


from households.models_cycle import ReviewState, ReviewTransition, UnitReviewState  # noqa: E402
from households.models_imports import (  # noqa: E402
    ImportBatch,
    ImportErrorPage,
    ImportHouseholdSnapshot,
    ImportReplacedReview,
)

__all__ = [
    "Household", "HouseholdReview", "ImportBatch", "ImportErrorPage", "ImportHouseholdSnapshot", "ImportReplacedReview",
    "PersonalDataAccess", "PovertyStandard", "ReviewState", "ReviewTransition", "UnitReviewState",
]
