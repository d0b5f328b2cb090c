"""Admin: poverty standards are editable data (validated by the engine's loader); the registry is read-only here
(household and review writes go through `households.services`, which keep search text and transitions right)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from households.classification import standards_from_data
from households.models import Household, HouseholdReview, PovertyStandard


class PovertyStandardForm(forms.ModelForm):
    class Meta:
        model = PovertyStandard
        fields = ["code", "name", "legal_basis", "data", "to_confirm"]

    def clean(self):
        cleaned = super().clean()
        data = cleaned.get("data")
        code = cleaned.get("code")
        if not isinstance(data, dict):
            raise ValidationError({"data": _("Quy định phải là một đối tượng JSON như trong standards.json.")})
        if data.get("code") != code:
            raise ValidationError({"data": _("Trường “code” trong quy định phải trùng với mã chuẩn.")})
        cleaned["data"] = {**data, "to_confirm": bool(cleaned.get("to_confirm"))}
        others = PovertyStandard.objects.exclude(pk=self.instance.pk).values_list("data", flat=True)
        try:
            standards_from_data([cleaned["data"], *others])
        except ValueError as error:
            raise ValidationError({"data": str(error)}) from None
        return cleaned


@admin.register(PovertyStandard)
class PovertyStandardAdmin(admin.ModelAdmin):
    form = PovertyStandardForm
    list_display = ["code", "name", "to_confirm", "updated_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["code", "head_name", "commune", "village", "members"]
    list_select_related = ["commune"]
    search_fields = ["code", "head_name_search"]
    raw_id_fields = ["commune"]


@admin.register(HouseholdReview)
class HouseholdReviewAdmin(ReadOnlyAdmin):
    list_display = ["household", "year", "kind", "classification", "declared_classification", "transition"]
    list_filter = ["year", "kind", "classification", "transition", "is_mismatch"]
    list_select_related = ["household"]
    raw_id_fields = ["household", "commune", "standard"]
