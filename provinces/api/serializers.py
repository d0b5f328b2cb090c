"""Input and output serializers of the units API (plain serializers: the selectors do the work)."""

from rest_framework import serializers

from provinces.importing import FIRST_YEAR
from provinces.models import AdministrativeUnit

CODE_PATTERN = r"^\d{2,5}$"


class UnitListInputSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=AdministrativeUnit.Level.choices, required=False)
    parent = serializers.RegexField(CODE_PATTERN, required=False, help_text="Mã đơn vị cấp trên (GSO).")
    year = serializers.IntegerField(
        min_value=FIRST_YEAR, max_value=2100, required=False,
        help_text="Các đơn vị có hiệu lực vào cuối năm này (mặc định: năm nay).",
    )
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100,
        help_text="Tìm theo tên hoặc mã, có hay không có dấu: “na ri” tìm được “Na Rì”.",
    )


class UnitDetailInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=2100, required=False)


class UnitRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class SuccessorSerializer(serializers.Serializer):
    code = serializers.CharField(source="successor.code")
    name = serializers.CharField(source="successor.name")
    default = serializers.BooleanField(
        source="is_default", help_text="Đơn vị mới nhận phần lớn nhất (dùng khi không biết địa chỉ cụ thể)."
    )


class PredecessorSerializer(serializers.Serializer):
    code = serializers.CharField(source="predecessor.code")
    name = serializers.CharField(source="predecessor.name")
    default = serializers.BooleanField(
        source="is_default", help_text="Đơn vị này là đơn vị kế thừa chính của đơn vị cũ đó."
    )


class UnitOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    level = serializers.CharField()
    unit_type = serializers.CharField()
    parent = UnitRefSerializer(allow_null=True)
    area = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    is_poor_district = serializers.BooleanField()
    is_extremely_difficult = serializers.BooleanField()
    is_coastal = serializers.BooleanField()
    is_ethnic_minority_area = serializers.BooleanField()
    is_mountainous = serializers.BooleanField()


class UnitDetailOutputSerializer(UnitOutputSerializer):
    successors = SuccessorSerializer(source="successor_links.all", many=True)
    predecessors = PredecessorSerializer(source="predecessor_links.all", many=True)
