"""The household list's filter form (GET). Choices come from the caller's scope, passed in by the view."""

from django import forms
from django.utils.translation import gettext_lazy as _

from households.models import HouseholdReview

ALL = ("", _("Tất cả"))
YES_NO = [ALL, ("1", _("Có")), ("0", _("Không"))]
KIND_ALL = "all"


def _yes_no(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


class HouseholdFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Năm rà soát"), coerce=int, required=False)
    commune = forms.ChoiceField(label=_("Xã/phường"), required=False)
    classification = forms.ChoiceField(
        label=_("Phân loại"), required=False, choices=[ALL, *HouseholdReview.Classification.choices]
    )
    transition = forms.ChoiceField(
        label=_("Biến động"), required=False, choices=[ALL, *HouseholdReview.Transition.choices]
    )
    kind = forms.ChoiceField(
        label=_("Loại rà soát"), required=False,
        choices=[*HouseholdReview.Kind.choices, (KIND_ALL, _("Tất cả"))],
    )
    ethnic_minority = forms.ChoiceField(label=_("Dân tộc thiểu số"), required=False, choices=YES_NO)
    female_head = forms.ChoiceField(label=_("Chủ hộ là nữ"), required=False, choices=YES_NO)
    mismatch = forms.ChoiceField(label=_("Khác phân loại của xã"), required=False, choices=YES_NO)
    q = forms.CharField(label=_("Tìm theo tên chủ hộ hoặc mã hộ"), required=False, max_length=100)

    def __init__(self, data=None, *, years: list[int], communes, names_searchable: bool = True):
        super().__init__(data)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        self.fields["commune"].choices = [ALL, *((unit.code, unit.name) for unit in communes)]
        if not names_searchable:
            self.fields["q"].label = _("Tìm theo mã hộ")

    def filters(self) -> dict:
        """The valid filters (an invalid field is ignored, and its error shown), as `ReviewFilters` arguments."""
        data = self.cleaned_data if self.is_bound else {}
        kind = data.get("kind") or HouseholdReview.Kind.PERIODIC
        return {
            "unit_code": data.get("commune") or None,
            "classification": data.get("classification") or None,
            "transition": data.get("transition") or None,
            "kind": None if kind == KIND_ALL else kind,
            "is_ethnic_minority": _yes_no(data.get("ethnic_minority", "")),
            "is_female_head": _yes_no(data.get("female_head", "")),
            "is_mismatch": _yes_no(data.get("mismatch", "")),
            "search": data.get("q", ""),
        }
