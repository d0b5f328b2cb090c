"""Programme periods and their projects, indicators and their targets and achievements, poverty-rate targets in
percentage points, poverty-reduction models (mô hình giảm nghèo), plans and decisions.

The programme structure is data (programmes/data/*.json, loaded by `programme_structure_load`), never code: a new
period or a merged programme is a new file. Computed fields of `PovertyTarget` are written only by
`programmes.services.poverty_targets_recompute`, from the arithmetic in `programmes/targets.py`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programmes.groups import TARGET_GROUPS, HouseholdGroup, group_choices
from provinces.models import AdministrativeUnit


class Confidence(models.TextChoices):
    """How sure the domain research is of a name (docs/domain.md says how sure each fact is)."""

    CONFIRMED = "confirmed", _("Đã xác nhận")
    PARTIAL = "partial", _("Xác nhận một phần")
    RECOLLECTION = "recollection", _("Chưa xác nhận (theo trí nhớ)")
    NOT_RETRIEVED = "not_retrieved", _("Chưa có văn bản")


class Programme(models.Model):
    code = models.CharField(_("mã"), max_length=20, unique=True)
    name = models.CharField(_("tên"), max_length=400)
    decision = models.CharField(_("văn bản phê duyệt"), max_length=200, blank=True)
    start_year = models.PositiveSmallIntegerField(_("từ năm"))
    end_year = models.PositiveSmallIntegerField(_("đến năm"))
    structure_confidence = models.CharField(
        _("cơ cấu dự án"), max_length=16, choices=Confidence.choices, default=Confidence.CONFIRMED
    )
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("chương trình")
        verbose_name_plural = _("chương trình")
        ordering = ["start_year", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_structure_confirmed(self) -> bool:
        return self.structure_confidence == Confidence.CONFIRMED


class StructureItem(models.Model):
    """What a project and a sub-project share: a name, how sure the research is of it, a note, an order."""

    name = models.CharField(_("tên"), max_length=400)
    confidence = models.CharField(_("mức xác nhận"), max_length=16, choices=Confidence.choices)
    note = models.TextField(_("ghi chú"), blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"

    @property
    def is_confirmed(self) -> bool:
        return self.confidence == Confidence.CONFIRMED


class Project(StructureItem):
    programme = models.ForeignKey(Programme, verbose_name=_("chương trình"), on_delete=models.CASCADE,
                                  related_name="projects")
    code = models.CharField(_("mã"), max_length=10)

    class Meta:
        verbose_name = _("dự án")
        verbose_name_plural = _("dự án")
        ordering = ["programme", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="project_programme_code_unique")]


class SubProject(StructureItem):
    project = models.ForeignKey(Project, verbose_name=_("dự án"), on_delete=models.CASCADE,
                                related_name="subprojects")
    code = models.CharField(_("mã"), max_length=12)

    class Meta:
        verbose_name = _("tiểu dự án")
        verbose_name_plural = _("tiểu dự án")
        ordering = ["project", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="subproject_project_code_unique")]


class Indicator(models.Model):
    """An output indicator of the programme (chỉ số đầu ra) and how it is aggregated over periods.

    * ``sum``: a flow (workers trained): the year's achievement is the sum of the reports of one period kind;
    * ``latest``: a stock (models running): the most recent report;
    * ``ratio``: a percentage reported by the unit (70% of working-age members helped): the most recent report.
    """

    class Aggregation(models.TextChoices):
        SUM = "sum", _("Cộng dồn")
        LATEST = "latest", _("Số mới nhất")
        RATIO = "ratio", _("Tỷ lệ (%)")

    programme = models.ForeignKey(Programme, verbose_name=_("chương trình"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="indicators")
    code = models.SlugField(_("mã"), max_length=60, unique=True)
    name = models.CharField(_("tên chỉ số"), max_length=300)
    unit_of_measure = models.CharField(_("đơn vị tính"), max_length=40)
    project = models.ForeignKey(Project, verbose_name=_("dự án"), null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="indicators")
    aggregation = models.CharField(_("cách tổng hợp"), max_length=8, choices=Aggregation.choices)
    confidence = models.CharField(_("mức xác nhận"), max_length=16, choices=Confidence.choices,
                                  default=Confidence.PARTIAL)
    note = models.TextField(_("ghi chú"), blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("chỉ số")
        verbose_name_plural = _("chỉ số")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class IndicatorTarget(models.Model):
    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT,
                             related_name="indicator_targets")
    year = models.PositiveSmallIntegerField(_("năm"))
    indicator = models.ForeignKey(Indicator, verbose_name=_("chỉ số"), on_delete=models.PROTECT,
                                  related_name="targets")
    value = models.DecimalField(_("chỉ tiêu"), max_digits=14, decimal_places=2)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chỉ tiêu chỉ số")
        verbose_name_plural = _("chỉ tiêu chỉ số")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "indicator"], name="indicator_target_unit_year_unique"),
            models.CheckConstraint(condition=Q(value__gte=0), name="indicator_target_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.unit_id} · {self.year}: {self.value}"


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Tháng")
    QUARTER = "quarter", _("Quý")
    YEAR = "year", _("Năm")


class Achievement(models.Model):
    """What a unit reported for an indicator over one month, quarter or year (period_start is its first day)."""

    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT,
                             related_name="achievements")
    indicator = models.ForeignKey(Indicator, verbose_name=_("chỉ số"), on_delete=models.PROTECT,
                                  related_name="achievements")
    period_kind = models.CharField(_("kỳ báo cáo"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("ngày đầu kỳ"))
    value = models.DecimalField(_("kết quả"), max_digits=14, decimal_places=2)
    reporting_unit = models.CharField(_("đơn vị báo cáo"), max_length=200)
    source_note = models.CharField(_("nguồn / ghi chú"), max_length=300, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kết quả thực hiện")
        verbose_name_plural = _("kết quả thực hiện")
        ordering = ["-period_start", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "indicator", "period_kind", "period_start"], name="achievement_period_unique"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="achievement_value_not_negative"),
        ]
        indexes = [models.Index(fields=["unit", "period_start"], name="achievement_unit_start_idx")]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.unit_id} · {self.period_kind} {self.period_start}: {self.value}"


class HouseholdGroupTotal(models.Model):
    """The number of households of a group (ethnic-minority households, say) in a unit at the end of a year:
    the denominator of the group's rate when it cannot be summed from unit totals. Entered by staff."""

    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT,
                             related_name="household_group_totals")
    year = models.PositiveSmallIntegerField(_("năm"))
    group = models.CharField(_("nhóm"), max_length=24, choices=group_choices(TARGET_GROUPS))
    total_households = models.PositiveIntegerField(_("tổng số hộ của nhóm"))
    source_note = models.CharField(_("nguồn / ghi chú"), max_length=300, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tổng số hộ của nhóm")
        verbose_name_plural = _("tổng số hộ của nhóm")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "group"], name="household_group_total_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}/{self.group}: {self.total_households}"


class PovertyTarget(models.Model):
    """A poverty-rate target of a unit for a year and a group, in percentage points (rule 5, docs/domain.md §2).

    Entered either as a reduction in points (``target_reduction_points``) or as a target rate (``target_rate``);
    the other one, the baseline, the households that must leave poverty, the actual rate and the status are
    computed by `poverty_targets_recompute` (see programmes/targets.py for every rule).
    """

    class EnteredAs(models.TextChoices):
        POINTS = "points", _("Mức giảm (điểm phần trăm)")
        RATE = "rate", _("Tỷ lệ mục tiêu (%)")

    class Status(models.TextChoices):
        ON_TRACK = "on_track", _("Đúng tiến độ")
        AT_RISK = "at_risk", _("Có nguy cơ không đạt")
        MISSED = "missed", _("Không đạt")
        MET = "met", _("Đạt")

    class Source(models.TextChoices):
        REGISTRY = "registry", _("Theo sổ hộ (rà soát đã chốt)")
        REPORTED = "reported", _("Theo số liệu công bố")
        NONE = "", _("Chưa có")

    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT,
                             related_name="poverty_targets")
    year = models.PositiveSmallIntegerField(_("năm"))
    group = models.CharField(_("nhóm"), max_length=24, choices=group_choices(TARGET_GROUPS),
                             default=HouseholdGroup.ALL)
    entered_as = models.CharField(_("nhập theo"), max_length=8, choices=EnteredAs.choices)
    target_reduction_points = models.DecimalField(_("mức giảm (điểm %)"), max_digits=5, decimal_places=2,
                                                  null=True, blank=True)
    target_rate = models.DecimalField(_("tỷ lệ mục tiêu (%)"), max_digits=5, decimal_places=2, null=True,
                                      blank=True)
    is_minimum = models.BooleanField(_("mức tối thiểu (“ít nhất”)"), default=False)
    reported_baseline_rate = models.DecimalField(
        _("tỷ lệ đầu kỳ theo số liệu công bố (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        help_text=_("Dùng khi sổ hộ chưa có kết quả rà soát năm trước."),
    )
    reported_actual_rate = models.DecimalField(
        _("tỷ lệ cuối năm theo số liệu công bố (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        help_text=_("Dùng khi sổ hộ chưa có kết quả rà soát của năm."),
    )
    cascaded_from = models.ForeignKey("self", verbose_name=_("phân bổ từ chỉ tiêu"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="cascaded")
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    # Computed by poverty_targets_recompute.
    baseline_rate = models.DecimalField(_("tỷ lệ đầu kỳ (%)"), max_digits=5, decimal_places=2, null=True,
                                        blank=True)
    baseline_source = models.CharField(_("nguồn số đầu kỳ"), max_length=10, choices=Source.choices, blank=True)
    baseline_poor = models.PositiveIntegerField(_("số hộ nghèo đầu kỳ"), null=True, blank=True)
    baseline_total_households = models.PositiveIntegerField(_("tổng số hộ đầu kỳ"), null=True, blank=True)
    target_total_households = models.PositiveIntegerField(_("tổng số hộ năm mục tiêu"), null=True, blank=True)
    households_to_exit = models.PositiveIntegerField(_("số hộ cần thoát nghèo"), null=True, blank=True)
    actual_rate = models.DecimalField(_("tỷ lệ thực hiện (%)"), max_digits=5, decimal_places=2, null=True,
                                      blank=True)
    actual_source = models.CharField(_("nguồn số thực hiện"), max_length=10, choices=Source.choices, blank=True)
    estimated_rate = models.DecimalField(
        _("tỷ lệ ước tính trong năm (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        help_text=_("Khi mới có một phần các xã chốt rà soát của năm."),
    )
    status = models.CharField(_("tình trạng"), max_length=10, choices=Status.choices, blank=True)
    computed_at = models.DateTimeField(_("tính lúc"), null=True, blank=True)

    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    # Who changed what and when (django-simple-history): every save and delete by the services. The recompute of
    # the computed fields (bulk_update) writes no history row: it is arithmetic, not a person's change.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chỉ tiêu giảm nghèo")
        verbose_name_plural = _("chỉ tiêu giảm nghèo")
        ordering = ["year", "unit__code", "group"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "group"], name="poverty_target_unit_year_group_unique"),
            models.CheckConstraint(
                condition=(
                    Q(entered_as="points", target_reduction_points__isnull=False)
                    | Q(entered_as="rate", target_rate__isnull=False)
                ),
                name="poverty_target_entered_value_present",
            ),
            models.CheckConstraint(
                condition=Q(target_reduction_points__isnull=True) | Q(target_reduction_points__gte=0),
                name="poverty_target_points_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["year", "unit"], name="poverty_target_year_unit_idx")]

    def __str__(self) -> str:
        # "Huyện Na Rì, năm 2024, toàn bộ hộ": how the pages name a target (its unit is read if not selected).
        return _("%(unit)s, năm %(year)s, %(group)s") % {
            "unit": self.unit.name, "year": self.year, "group": str(self.get_group_display()).lower()}


class PovertyModel(models.Model):
    """A poverty-reduction model or production-support project (mô hình giảm nghèo / dự án hỗ trợ PTSX).

    Participating households are stored as counts for now; linking them to the household registry is a later
    step (the registry lives in households/).
    """

    class Kind(models.TextChoices):
        COMMUNITY = "community", _("Dự án cộng đồng")
        VALUE_CHAIN = "value_chain", _("Liên kết chuỗi giá trị")
        PRODUCTION = "production", _("Sản xuất nông, lâm, ngư nghiệp")
        BUSINESS = "business", _("Kinh doanh, dịch vụ")
        TOURISM = "tourism", _("Du lịch")
        STARTUP = "startup", _("Khởi nghiệp")
        OTHER = "other", _("Khác")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Chuẩn bị")
        IN_PROGRESS = "in_progress", _("Đang thực hiện")
        COMPLETED = "completed", _("Hoàn thành")
        SUSPENDED = "suspended", _("Tạm dừng")

    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("đơn vị quản lý"), on_delete=models.PROTECT,
                             related_name="poverty_models")
    name = models.CharField(_("tên mô hình / dự án"), max_length=300)
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices)
    project = models.ForeignKey(Project, verbose_name=_("dự án"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="poverty_models")
    subproject = models.ForeignKey(SubProject, verbose_name=_("tiểu dự án"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="poverty_models")
    communes = models.ManyToManyField(AdministrativeUnit, verbose_name=_("xã thực hiện"), blank=True,
                                      related_name="poverty_models_here")
    households_poor = models.PositiveIntegerField(_("hộ nghèo tham gia"), default=0)
    households_near_poor = models.PositiveIntegerField(_("hộ cận nghèo tham gia"), default=0)
    households_newly_escaped = models.PositiveIntegerField(_("hộ mới thoát nghèo tham gia"), default=0)
    households_other = models.PositiveIntegerField(_("hộ khác tham gia"), default=0)
    budget_vnd = models.BigIntegerField(_("kinh phí (đồng)"), null=True, blank=True)
    start_date = models.DateField(_("ngày bắt đầu"), null=True, blank=True)
    end_date = models.DateField(_("ngày kết thúc"), null=True, blank=True)
    status = models.CharField(_("tình trạng"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    results = models.TextField(_("kết quả"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mô hình giảm nghèo")
        verbose_name_plural = _("mô hình giảm nghèo")
        ordering = ["unit__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="poverty_model_unit_name_unique"),
            models.CheckConstraint(condition=Q(budget_vnd__isnull=True) | Q(budget_vnd__gte=0),
                                   name="poverty_model_budget_not_negative"),
            models.CheckConstraint(
                condition=(
                    Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date"))
                ),
                name="poverty_model_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def households_total(self) -> int:
        return self.households_poor + self.households_near_poor + self.households_newly_escaped + self.households_other


def plan_upload_to(instance, filename: str) -> str:
    return f"plans/{instance.unit.code}/{filename}"


class PlanDocument(models.Model):
    """A plan or decision (Kế hoạch số 62/KH-UBND ngày 13/3/2023), with the targets it sets."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("Kế hoạch")
        DECISION = "decision", _("Quyết định")
        RESOLUTION = "resolution", _("Nghị quyết")
        OTHER = "other", _("Văn bản khác")

    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT,
                             related_name="plan_documents")
    kind = models.CharField(_("loại văn bản"), max_length=12, choices=Kind.choices, default=Kind.PLAN)
    number = models.CharField(_("số hiệu"), max_length=60)
    issued_on = models.DateField(_("ngày ban hành"))
    issuer = models.CharField(_("cơ quan ban hành"), max_length=200)
    title = models.CharField(_("trích yếu"), max_length=500)
    file = models.FileField(_("tệp đính kèm"), upload_to=plan_upload_to, blank=True, max_length=300)
    poverty_targets = models.ManyToManyField(PovertyTarget, verbose_name=_("chỉ tiêu giảm nghèo"), blank=True,
                                             related_name="plans")
    indicator_targets = models.ManyToManyField(IndicatorTarget, verbose_name=_("chỉ tiêu chỉ số"), blank=True,
                                               related_name="plans")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("văn bản kế hoạch")
        verbose_name_plural = _("văn bản kế hoạch")
        ordering = ["-issued_on", "number"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "number", "issued_on"], name="plan_document_number_unique"),
        ]

    def __str__(self) -> str:
        return _("%(kind)s số %(number)s ngày %(date)s") % {
            "kind": self.get_kind_display(), "number": self.number, "date": self.issued_on.strftime("%d/%m/%Y"),
        }
