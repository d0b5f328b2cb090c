"""HTML forms of the budget pages (input only: the services decide). Amounts are typed in million VND with
Vietnamese separators ("1.234,5" = 1,234,500,000 đồng) and converted to whole đồng exactly."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from budgets.models import AllocationEntry, BudgetImport, CapitalType, Source
from budgets.rules import MAX_VND
from config.forms import BootstrapForm

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MILLION = Decimal(1_000_000)


class MillionField(forms.DecimalField):
    """Million VND in, whole đồng out (`clean` returns an int)."""

    def __init__(self, *, allow_negative: bool = False, **kwargs):
        self.allow_negative = allow_negative
        kwargs.setdefault("help_text", _("Triệu đồng, ví dụ 1.234,5 (= 1.234.500.000 đồng)."))
        super().__init__(max_digits=18, decimal_places=6, localize=True, **kwargs)

    def clean(self, value):
        number = super().clean(value)
        if number is None:
            return None
        vnd = number * MILLION
        if vnd == 0:
            raise forms.ValidationError(_("Số tiền phải khác 0."))
        if vnd < 0 and not self.allow_negative:
            raise forms.ValidationError(_("Số tiền phải lớn hơn 0."))
        if abs(vnd) > MAX_VND:
            raise forms.ValidationError(_("Số tiền quá lớn: hãy kiểm tra lại (đơn vị là triệu đồng)."))
        return int(vnd)


class UnitYearForm(forms.Form):
    unit = forms.RegexField(label=_("Đơn vị"), regex=r"^\d{2}$|^\d{3}$|^\d{5}$", required=False,
                            widget=forms.TextInput(attrs={"class": "form-control", "size": 6}))
    year = forms.IntegerField(label=_("Năm"), min_value=2016, max_value=2100, required=False,
                              widget=forms.NumberInput(attrs={"class": "form-control", "style": "width: 7rem"}))


class LegalBasisMixin(forms.Form):
    legal_basis_number = forms.CharField(label=_("Số văn bản"), max_length=100, required=False,
                                         help_text=_("Ví dụ 62/KH-UBND. Để trống nếu chọn văn bản trong sổ kế hoạch."))
    legal_basis_date = forms.DateField(label=_("Ngày văn bản"), widget=DATE_WIDGET, required=False)
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)


class AllocationForm(BootstrapForm, LegalBasisMixin):
    """A new original allocation or carry-over on a line (adjustments are made from the line's page)."""

    fiscal_year = forms.IntegerField(label=_("Năm kế hoạch"), min_value=2016, max_value=2100)
    unit = forms.ChoiceField(label=_("Đơn vị"))
    project = forms.ChoiceField(label=_("Dự án / tiểu dự án"))
    source = forms.ChoiceField(label=_("Nguồn vốn"), choices=Source.choices)
    capital_type = forms.ChoiceField(label=_("Loại vốn"), choices=CapitalType.choices)
    kind = forms.ChoiceField(
        label=_("Loại bút toán"), widget=forms.RadioSelect, initial=AllocationEntry.Kind.ORIGINAL,
        choices=[(AllocationEntry.Kind.ORIGINAL, _("Giao kế hoạch vốn của năm")),
                 (AllocationEntry.Kind.CARRY_OVER, _("Chuyển nguồn từ năm trước"))],
    )
    origin_year = forms.IntegerField(label=_("Năm của nguồn vốn (chuyển nguồn)"), min_value=2016, max_value=2100,
                                     required=False)
    amount = MillionField(label=_("Số tiền (triệu đồng)"))
    plan_document = forms.TypedChoiceField(label=_("Văn bản trong sổ kế hoạch"), required=False, coerce=int,
                                           empty_value=None)
    field_order = ["fiscal_year", "unit", "project", "source", "capital_type", "kind", "origin_year", "amount",
                   "legal_basis_number", "legal_basis_date", "plan_document", "note"]

    def __init__(self, *args, units=(), projects=(), plans=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(unit.code, unit.name) for unit in units]
        self.fields["project"].choices = projects
        self.fields["plan_document"].choices = [("", "—")] + [(plan.pk, str(plan)) for plan in plans]
        self.order_fields(self.field_order)


class AdjustmentForm(BootstrapForm, LegalBasisMixin):
    amount = MillionField(label=_("Số tiền điều chỉnh (triệu đồng)"), allow_negative=True,
                          help_text=_("Số dương để tăng, số âm để giảm (ví dụ -2.000)."))
    version = forms.IntegerField(widget=forms.HiddenInput)
    field_order = ["amount", "legal_basis_number", "legal_basis_date", "note", "version"]


class CarryOverForm(BootstrapForm, LegalBasisMixin):
    amount = MillionField(label=_("Số tiền chuyển sang năm sau (triệu đồng)"))
    version = forms.IntegerField(widget=forms.HiddenInput)
    field_order = ["amount", "legal_basis_number", "legal_basis_date", "note", "version"]


class DistributeForm(BootstrapForm, LegalBasisMixin):
    unit = forms.ChoiceField(label=_("Phân bổ cho đơn vị"))
    amount = MillionField(label=_("Số tiền (triệu đồng)"))
    version = forms.IntegerField(widget=forms.HiddenInput)
    field_order = ["unit", "amount", "legal_basis_number", "legal_basis_date", "note", "version"]

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(unit.code, unit.name) for unit in units]
        self.order_fields(self.field_order)


class DisbursementForm(BootstrapForm):
    disbursed_on = forms.DateField(label=_("Ngày giải ngân"), widget=DATE_WIDGET)
    amount = MillionField(label=_("Số tiền (triệu đồng)"), allow_negative=True,
                          help_text=_("Triệu đồng. Số âm để ghi khoản thu hồi, giảm trừ (phải ghi lý do)."))
    document = forms.CharField(label=_("Số chứng từ"), max_length=100, required=False)
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ImportForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Loại số liệu"), choices=BudgetImport.Kind.choices, widget=forms.RadioSelect,
                             initial=BudgetImport.Kind.ALLOCATIONS)
    file = forms.FileField(label=_("Tệp bảng tính (.xlsx, .xls, .ods, .csv)"))
