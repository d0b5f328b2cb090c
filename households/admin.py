"""Admin: poverty standards are editable data (validated by the engine's loader).

Households, reviews and imports (names, ID numbers, the workbooks' rows) are not in the admin: the app's pages show
them within the user's scope, masked for leadership, each view in the personal-data access log, and the admin has
none of that (config/admin.py, docs/access-matrix.md). tests/security/test_admin_scope.py keeps them out."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from households.classification import standards_from_data
from households.models import PovertyStandard


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
