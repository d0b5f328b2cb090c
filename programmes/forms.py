"""HTML forms of the programmes pages (input only: the services decide). Numbers accept Vietnamese separators
("3,00", "1.693")."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from config.forms import BootstrapForm
from programmes.groups import TARGET_GROUPS, HouseholdGroup, group_choices
from programmes.models import (
    Indicator,
    IndicatorTarget,
    PeriodKind,
    PlanDocument,
    PovertyModel,
    PovertyTarget,
    Project,
    SubProject,
)
from programmes.targets import DEFAULT_POOR_DISTRICT_FLOOR, PROPORTIONAL, SAME_POINTS
from provinces.models import AdministrativeUnit

YEAR_RANGE = {"min_value": 2016, "max_value": 2100}
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def rate_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=5, decimal_places=2, localize=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))], **kwargs,
    )


class PovertyTargetForm(BootstrapForm):
    group = forms.ChoiceField(label=_("Nhóm"), choices=group_choices(TARGET_GROUPS), initial=HouseholdGroup.ALL)
    entered_as = forms.ChoiceField(
        label=_("Nhập chỉ tiêu theo"), choices=PovertyTarget.EnteredAs.choices, widget=forms.RadioSelect,
        initial=PovertyTarget.EnteredAs.POINTS,
    )
    value = rate_field(
        _("Giá trị"),
        help_text=_(
            "Mức giảm tính bằng điểm phần trăm, hoặc tỷ lệ mục tiêu cuối năm (%). “Giảm 3%” trong kế hoạch nghĩa là "
            "giảm 3 điểm phần trăm (ví dụ 8,92% → 5,92%), không phải giảm 3% của tỷ lệ cũ."
        ),
    )
    is_minimum = forms.BooleanField(label=_("Là mức tối thiểu (“ít nhất”)"), required=False)
    reported_baseline_rate = rate_field(
        _("Tỷ lệ đầu kỳ theo số liệu công bố (%)"), required=False,
        help_text=_("Chỉ dùng khi sổ hộ chưa có kết quả rà soát năm trước của toàn đơn vị."),
    )
    reported_actual_rate = rate_field(
        _("Tỷ lệ cuối năm theo số liệu công bố (%)"), required=False,
        help_text=_("Chỉ dùng khi sổ hộ chưa có kết quả rà soát của năm."),
    )
    note = forms.CharField(label=_("Ghi chú (căn cứ)"), required=False, max_length=300)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, fixed_group: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_group:
            self.fields["group"].disabled = True

    def clean_value(self):
        value = self.cleaned_data["value"]
        if self.data.get(self.add_prefix("entered_as")) == PovertyTarget.EnteredAs.POINTS and value <= 0:
            raise forms.ValidationError(_("Mức giảm phải lớn hơn 0 điểm phần trăm."))
        return value


class TargetFilterForm(BootstrapForm):
    unit = forms.RegexField(label=_("Đơn vị"), regex=r"^\d{2,5}$", required=False)  # a UnitPicker in the views
    year = forms.IntegerField(label=_("Năm"), required=False, **YEAR_RANGE)


class CascadeRuleForm(BootstrapForm):
    RULES = [
        (SAME_POINTS, _("Cùng mức giảm (điểm %) cho mọi đơn vị")),
        (PROPORTIONAL, _("Tỷ lệ thuận với tỷ lệ nghèo đầu kỳ, huyện nghèo không dưới mức sàn")),
    ]
    rule = forms.ChoiceField(label=_("Cách phân bổ"), choices=RULES, initial=SAME_POINTS, widget=forms.RadioSelect)
    floor = rate_field(_("Mức sàn cho huyện nghèo (điểm %)"), initial=DEFAULT_POOR_DISTRICT_FLOOR, required=False)


class CascadePointsForm(BootstrapForm):
    """One points field per child unit (named points_<code>)."""

    def __init__(self, *args, codes: list[str], initial_points: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for code in codes:
            self.fields[f"points_{code}"] = rate_field(code, required=False, initial=initial_points.get(code))

    def points(self) -> dict[str, Decimal | None]:
        return {name.removeprefix("points_"): value for name, value in self.cleaned_data.items()}


class GroupTotalForm(BootstrapForm):
    year = forms.IntegerField(label=_("Năm"), **YEAR_RANGE)
    total = forms.IntegerField(label=_("Tổng số hộ của nhóm"), min_value=0, localize=True)
    note = forms.CharField(label=_("Nguồn / ghi chú"), required=False, max_length=300)


class IndicatorTargetForm(BootstrapForm):
    indicator = forms.ModelChoiceField(label=_("Chỉ số"), queryset=Indicator.objects.order_by("order", "code"))
    value = forms.DecimalField(label=_("Chỉ tiêu"), max_digits=14, decimal_places=2, min_value=0, localize=True)
    note = forms.CharField(label=_("Ghi chú (căn cứ)"), required=False, max_length=300)


class AchievementForm(BootstrapForm):
    indicator = forms.ModelChoiceField(label=_("Chỉ số"), queryset=Indicator.objects.order_by("order", "code"))
    period_kind = forms.ChoiceField(label=_("Kỳ báo cáo"), choices=PeriodKind.choices, initial=PeriodKind.QUARTER)
    period_start = forms.DateField(
        label=_("Ngày đầu kỳ"), widget=DATE_WIDGET,
        help_text=_("Ngày 1 của tháng; 1/1, 1/4, 1/7 hoặc 1/10 cho quý; 1/1 cho năm."),
    )
    value = forms.DecimalField(label=_("Kết quả"), max_digits=14, decimal_places=2, min_value=0, localize=True)
    reporting_unit = forms.CharField(label=_("Đơn vị báo cáo"), max_length=200)
    source_note = forms.CharField(label=_("Nguồn / ghi chú"), required=False, max_length=300)


class PovertyModelForm(BootstrapForm):
    name = forms.CharField(label=_("Tên mô hình / dự án"), max_length=300)
    kind = forms.ChoiceField(label=_("Loại"), choices=PovertyModel.Kind.choices)
    project = forms.ModelChoiceField(label=_("Dự án"), queryset=Project.objects.none(), required=False)
    subproject = forms.ModelChoiceField(label=_("Tiểu dự án"), queryset=SubProject.objects.none(), required=False)
    communes = forms.ModelMultipleChoiceField(
        label=_("Xã thực hiện"), queryset=AdministrativeUnit.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    households_poor = forms.IntegerField(label=_("Hộ nghèo tham gia"), min_value=0, initial=0, localize=True)
    households_near_poor = forms.IntegerField(label=_("Hộ cận nghèo tham gia"), min_value=0, initial=0, localize=True)
    households_newly_escaped = forms.IntegerField(
        label=_("Hộ mới thoát nghèo tham gia"), min_value=0, initial=0, localize=True
    )
    households_other = forms.IntegerField(label=_("Hộ khác tham gia"), min_value=0, initial=0, localize=True)
    budget_vnd = forms.IntegerField(label=_("Kinh phí (đồng)"), min_value=0, required=False, localize=True)
    start_date = forms.DateField(label=_("Ngày bắt đầu"), required=False, widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("Ngày kết thúc"), required=False, widget=DATE_WIDGET)
    status = forms.ChoiceField(label=_("Tình trạng"), choices=PovertyModel.Status.choices,
                               initial=PovertyModel.Status.IN_PROGRESS)
    results = forms.CharField(label=_("Kết quả"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.select_related("programme").order_by(
            "programme__start_year", "order"
        )
        self.fields["subproject"].queryset = SubProject.objects.select_related("project").order_by(
            "project__order", "order"
        )
        self.fields["communes"].queryset = communes

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("Ngày kết thúc phải sau ngày bắt đầu."))
        sub, project = data.get("subproject"), data.get("project")
        if sub and project and sub.project_id != project.pk:
            self.add_error("subproject", _("Tiểu dự án không thuộc dự án đã chọn."))
        return data


class PlanDocumentForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Loại văn bản"), choices=PlanDocument.Kind.choices,
                             initial=PlanDocument.Kind.PLAN)
    number = forms.CharField(label=_("Số hiệu"), max_length=60, help_text=_("Ví dụ: 62/KH-UBND"))
    issued_on = forms.DateField(label=_("Ngày ban hành"), widget=DATE_WIDGET)
    issuer = forms.CharField(label=_("Cơ quan ban hành"), max_length=200)
    title = forms.CharField(label=_("Trích yếu"), max_length=500)
    file = forms.FileField(label=_("Tệp đính kèm (PDF, Word, Excel, ảnh; tối đa 20 MB)"), required=False)
    poverty_targets = forms.ModelMultipleChoiceField(
        label=_("Chỉ tiêu giảm nghèo"), queryset=PovertyTarget.objects.none(), required=False
    )
    indicator_targets = forms.ModelMultipleChoiceField(
        label=_("Chỉ tiêu chỉ số"), queryset=IndicatorTarget.objects.none(), required=False
    )

    def __init__(self, *args, poverty_targets, indicator_targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["poverty_targets"].queryset = poverty_targets
        self.fields["poverty_targets"].label_from_instance = lambda t: (
            f"{t.unit.name} · {t.year} · {t.get_group_display()}"
        )
        self.fields["indicator_targets"].queryset = indicator_targets
        self.fields["indicator_targets"].label_from_instance = lambda t: (
            f"{t.unit.name} · {t.year} · {t.indicator.name}"
        )
