"""HTML forms of the unit pages (input only: the services decide)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from provinces.importing import FIRST_YEAR, flag_label
from provinces.models import HouseholdTotal, flags_for_level


class FlagsForm(forms.Form):
    """One checkbox per programme flag that fits the unit's level."""

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        for name in flags_for_level(unit.level):
            self.fields[name] = forms.BooleanField(
                label=flag_label(name), required=False, initial=getattr(unit, name),
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )


class HouseholdTotalForm(forms.Form):
    year = forms.IntegerField(label=_("Năm"), min_value=FIRST_YEAR, max_value=2100)
    total = forms.IntegerField(label=_("Tổng số hộ"), min_value=0)
    note = forms.CharField(
        label=_("Nguồn / ghi chú"), required=False,
        max_length=HouseholdTotal._meta.get_field("source_note").max_length,
    )


class ReferenceImportForm(forms.Form):
    KIND_CHOICES = [
        ("totals", _("Tổng số hộ (Mã đơn vị, Năm, Tổng số hộ, Ghi chú)")),
        ("flags", _("Cờ chương trình (Mã đơn vị, Huyện nghèo, Xã đặc biệt khó khăn, …)")),
    ]
    kind = forms.ChoiceField(
        label=_("Loại dữ liệu"), choices=KIND_CHOICES, widget=forms.RadioSelect(attrs={"class": "form-check-input"})
    )
    file = forms.FileField(label=_("Tệp bảng tính (.xlsx, .xls, .ods, .csv)"))
    year = forms.IntegerField(
        label=_("Năm của mã đơn vị (chỉ cho cờ chương trình, khi tệp không có cột Năm)"),
        min_value=FIRST_YEAR, max_value=2100, initial=2024, required=False,
    )
