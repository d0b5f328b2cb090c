"""Input and output serializers of the households API (plain serializers: selectors and the engine do the work)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from households.classification import Area
from households.models import HouseholdReview
from households.selectors import mask_name
from provinces.importing import FIRST_YEAR

MAX_INCOME = 10**12  # whole VND per person per month; anything above is a typo
CODE_PATTERN = r"^\d{2,5}$"


class ClassifyInputSerializer(serializers.Serializer):
    """`context["standards"]`: the `selectors.Standards` to check the standard and indicator keys against."""

    standard = serializers.CharField(
        max_length=20, help_text=gettext_lazy("Mã chuẩn nghèo: “2022-2025” hoặc “2026-2030”.")
    )
    area = serializers.ChoiceField(
        choices=[area.value for area in Area],
        error_messages={
            "invalid_choice": gettext_lazy("Khu vực không hợp lệ: “{input}” (chỉ nhận “urban” hoặc “rural”)."),
        },
    )
    income_per_capita = serializers.IntegerField(
        min_value=0, max_value=MAX_INCOME,
        error_messages={
            "min_value": gettext_lazy("Thu nhập bình quân đầu người không được âm."),
            "invalid": gettext_lazy("Thu nhập bình quân đầu người phải là số nguyên (đồng)."),
        },
        help_text=gettext_lazy("Thu nhập bình quân đầu người/tháng, đồng (số nguyên ≥ 0)."),
    )
    deprivations = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, max_length=50,
        help_text=gettext_lazy("Mã các chỉ số thiếu hụt của hộ, ví dụ “health_insurance”."),
    )

    def validate_standard(self, value: str) -> str:
        if value not in self.context["standards"].rules:
            known = ", ".join(self.context["standards"].rules) or "—"
            raise serializers.ValidationError(
                _("Không có chuẩn nghèo “%(code)s”. Các chuẩn hiện có: %(known)s.") % {"code": value, "known": known}
            )
        return value

    def validate(self, attrs: dict) -> dict:
        rules = self.context["standards"].rules[attrs["standard"]]
        unknown = sorted(set(attrs["deprivations"]) - set(rules.indicators))
        if unknown:
            raise serializers.ValidationError({
                "deprivations": [
                    _("Chỉ số không thuộc chuẩn %(standard)s: %(unknown)s. Các chỉ số hợp lệ: %(known)s.")
                    % {"standard": rules.code, "unknown": ", ".join(unknown), "known": ", ".join(rules.indicators)}
                ]
            })
        return attrs


class ClassifyOutputSerializer(serializers.Serializer):
    classification = serializers.CharField(source="classification.value")
    label = serializers.CharField(help_text=gettext_lazy("Tên phân loại bằng tiếng Việt."))
    deprivation_count = serializers.IntegerField()
    standard = serializers.CharField()
    area = serializers.CharField(source="area.value")
    income_per_capita = serializers.IntegerField()
    deprivations = serializers.ListField(child=serializers.CharField())
    income_line = serializers.IntegerField()
    middle_ceiling = serializers.IntegerField(allow_null=True)
    min_deprivations = serializers.IntegerField()
    reason = serializers.CharField()
    to_confirm = serializers.BooleanField(
        help_text=gettext_lazy("Chuẩn chưa được đối chiếu với văn bản gốc (cần kiểm tra lại).")
    )


class ReviewListInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=2100, required=False)
    unit = serializers.RegexField(
        CODE_PATTERN, required=False,
        help_text=gettext_lazy("Mã tỉnh, huyện hoặc xã (GSO) có hiệu lực vào cuối năm `year`."),
    )
    classification = serializers.ChoiceField(choices=HouseholdReview.Classification.choices, required=False)
    transition = serializers.ChoiceField(choices=HouseholdReview.Transition.choices, required=False)
    kind = serializers.ChoiceField(choices=HouseholdReview.Kind.choices, required=False)
    is_mismatch = serializers.BooleanField(required=False, allow_null=True, default=None)


class ReviewOutputSerializer(serializers.Serializer):
    """`context["may_see_personal_data"]`: False masks `head_name` ("N*** V** A*")."""

    id = serializers.IntegerField()
    household_code = serializers.CharField(source="household.code")
    head_name = serializers.SerializerMethodField()
    commune = serializers.CharField(source="commune.code")
    commune_name = serializers.CharField(source="commune.name")
    village = serializers.CharField(source="household.village")
    year = serializers.IntegerField()
    kind = serializers.CharField()
    review_date = serializers.DateField(allow_null=True)
    standard = serializers.CharField(source="standard.code")
    area = serializers.CharField()
    members = serializers.IntegerField()
    income_per_capita = serializers.IntegerField()
    deprivations = serializers.ListField(child=serializers.CharField())
    deprivation_count = serializers.IntegerField()
    classification = serializers.CharField()
    declared_classification = serializers.CharField(allow_blank=True)
    is_mismatch = serializers.BooleanField()
    transition = serializers.CharField(allow_null=True)
    is_newly_escaped = serializers.BooleanField()

    def get_head_name(self, review) -> str:
        name = review.household.head_name
        return name if self.context.get("may_see_personal_data") else mask_name(name)
