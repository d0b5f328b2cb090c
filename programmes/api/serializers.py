"""Input and output serializers of the programmes API (plain serializers: selectors and services do the work)."""

from rest_framework import serializers

from programmes.groups import TARGET_GROUPS, group_choices

CODE_PATTERN = r"^\d{2,5}$"


def rate_field(**kwargs) -> serializers.DecimalField:
    """A percentage or a number of points as a JSON number (never a string), 2 decimals."""
    return serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False, allow_null=True, **kwargs)


class ProjectListInputSerializer(serializers.Serializer):
    programme = serializers.CharField(
        required=False, max_length=20, help_text="Mã giai đoạn chương trình, ví dụ “2021-2025”."
    )


class SubProjectOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    is_confirmed = serializers.BooleanField(help_text="Sai: tên hoặc số thứ tự tiểu dự án chưa được xác nhận.")
    confidence = serializers.CharField()


class ProjectOutputSerializer(serializers.Serializer):
    programme = serializers.CharField(source="programme.code")
    code = serializers.CharField()
    name = serializers.CharField()
    is_confirmed = serializers.BooleanField()
    confidence = serializers.CharField()
    subprojects = SubProjectOutputSerializer(source="subprojects.all", many=True)


class TargetListInputSerializer(serializers.Serializer):
    unit = serializers.RegexField(CODE_PATTERN, required=False, help_text="Mã đơn vị (GSO).")
    year = serializers.IntegerField(
        min_value=2016, max_value=2100, required=False,
        help_text="Năm của chỉ tiêu; mã đơn vị chỉ đơn vị có hiệu lực vào cuối năm này (mặc định: năm nay).",
    )
    group = serializers.ChoiceField(choices=group_choices(TARGET_GROUPS), required=False)


class TargetOutputSerializer(serializers.Serializer):
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    year = serializers.IntegerField()
    group = serializers.CharField()
    entered_as = serializers.CharField(help_text="“points”: nhập mức giảm (điểm %); “rate”: nhập tỷ lệ mục tiêu.")
    is_minimum = serializers.BooleanField(help_text="Mức giảm tối thiểu (“ít nhất”).")
    baseline_rate = rate_field(help_text="Tỷ lệ hộ nghèo cuối năm trước (%).")
    baseline_source = serializers.CharField(help_text="“registry”, “reported” hoặc rỗng (chưa biết).")
    target_rate = rate_field(help_text="Tỷ lệ mục tiêu cuối năm (%).")
    target_reduction_points = rate_field(help_text="Mức giảm, tính bằng điểm phần trăm.")
    households_to_exit = serializers.IntegerField(allow_null=True)
    actual_rate = rate_field(help_text="Tỷ lệ cuối năm khi đã chốt kết quả rà soát (%).")
    estimated_rate = rate_field(help_text="Ước tính trong năm từ các xã đã chốt rà soát (%).")
    status = serializers.CharField(allow_null=True, help_text="on_track, at_risk, missed, met; null: chưa đánh giá.")
    computed_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["status"] = data["status"] or None
        return data
