"""`GET /api/v1/stats/poverty/table/` (issue 20, docs/contracts.md): the analysis table as data.

Thin: the input serializer checks the parameters, `reports.analysis.analysis_table` scopes the unit and reads the
aggregate tables, the output serializers render numbers (rates with 2 decimals, null when unknown). Answers are
cached per scope until the next aggregate run, as the stats API's (reports.cache).
"""

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import query_data
from reports import analysis, selectors
from reports import cache as stats_cache

RATE = {"max_digits": 7, "decimal_places": 2, "coerce_to_string": False, "allow_null": True}
COUNT = {"allow_null": True}


def _validate_years(self, attrs):
    if attrs["from"] > attrs["to"]:
        raise serializers.ValidationError({"to": [_("Năm cuối phải không nhỏ hơn năm đầu.")]})
    if attrs["to"] - attrs["from"] >= analysis.MAX_YEARS:
        raise serializers.ValidationError({"to": [_("Chọn tối đa %(count)s năm.") % {"count": analysis.MAX_YEARS}]})
    return attrs


# Built with type(): `from`, a parameter of the contract, is a Python keyword.
PovertyTableInputSerializer = type("PovertyTableInputSerializer", (serializers.Serializer,), {
    "unit": serializers.RegexField(r"^\d{2}$|^\d{3}$", help_text="Mã tỉnh hoặc huyện (GSO): 2 hoặc 3 chữ số."),
    "level": serializers.ChoiceField(
        choices=analysis.LEVELS, help_text="Cấp của các dòng: district (các huyện của tỉnh) hoặc commune (các xã).",
    ),
    "from": serializers.IntegerField(min_value=analysis.FIRST_YEAR, max_value=analysis.LAST_YEAR,
                                     help_text="Năm rà soát đầu (số liệu cuối năm)."),
    "to": serializers.IntegerField(min_value=analysis.FIRST_YEAR, max_value=analysis.LAST_YEAR,
                                   help_text="Năm rà soát cuối."),
    "view": serializers.ChoiceField(
        choices=selectors.VIEWS, required=False,
        help_text=(
            "legacy: đơn vị trước 1/7/2025 (số liệu từ 2025 cộng lại theo đơn vị cũ); current: đơn vị hiện nay "
            "(số liệu các năm trước cộng lại theo đơn vị kế thừa). Mặc định: theo năm `to`."
        ),
    ),
    "validate": _validate_years,
    "__module__": __name__,
})


def _cell_fields() -> dict:
    return {
        "total_households": serializers.IntegerField(**COUNT, help_text="Tổng số hộ (mẫu số); null: chưa có."),
        "poor": serializers.IntegerField(**COUNT),
        "near_poor": serializers.IntegerField(**COUNT),
        "poverty_rate": serializers.DecimalField(**RATE),
        "near_poverty_rate": serializers.DecimalField(**RATE),
        "multidimensional_poverty_rate": serializers.DecimalField(**RATE, help_text="(nghèo + cận nghèo) / tổng số hộ"),
        "escaped": serializers.IntegerField(**COUNT),
        "newly_poor": serializers.IntegerField(**COUNT),
        "re_poor": serializers.IntegerField(**COUNT),
    }


PovertyTableRowSerializer = type("PovertyTableRowSerializer", (serializers.Serializer,), {
    "unit": serializers.CharField(), "unit_name": serializers.CharField(), "year": serializers.IntegerField(),
    **_cell_fields(), "__module__": __name__,
})
PovertyTableTotalSerializer = type("PovertyTableTotalSerializer", (serializers.Serializer,), {
    "year": serializers.IntegerField(), **_cell_fields(), "__module__": __name__,
})


class PovertyTableOutputSerializer(serializers.Serializer):
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    level = serializers.ChoiceField(choices=analysis.LEVELS)
    view = serializers.ChoiceField(choices=selectors.VIEWS)
    years = serializers.ListField(child=serializers.IntegerField())
    rows = PovertyTableRowSerializer(many=True, help_text="Một dòng cho mỗi đơn vị × năm, theo mã rồi năm.")
    totals = PovertyTableTotalSerializer(many=True, help_text="Số liệu của chính đơn vị đã chọn, mỗi năm một dòng.")


class PovertyTableView(APIView):
    """`GET /api/v1/stats/poverty/table/?unit=CODE&level=district|commune&from=Y1&to=Y2[&view=legacy|current]`:
    the figures of each unit one level below `unit` (or of its communes) for each review year from `from` to `to`,
    and the unit's own figures per year (`totals`, the same as `GET /api/v1/stats/poverty/`). Rates in percent with
    2 decimals; null when unknown (no denominator, nothing reviewed, no figures that year).

    The code means the unit of `view` (default: the period of `to`); years across the 2025 reorganisation are
    re-aggregated as the stats API does. A unit outside the caller's scope is a 404, as an unknown one is. Reads
    only the aggregate tables."""

    api_errors = {
        400: "Tham số sai (nêu tên trường): `level` không ở dưới đơn vị (ví dụ cấp huyện của đơn vị hiện nay), "
             "`from` lớn hơn `to`, hoặc quá 15 năm.",
        404: "Không có đơn vị này (theo `to` và `view`), hoặc đơn vị ngoài phạm vi dữ liệu của người gọi.",
    }

    @extend_schema(parameters=[PovertyTableInputSerializer], responses=PovertyTableOutputSerializer)
    def get(self, request):
        data = query_data(request, PovertyTableInputSerializer)
        view = data.get("view") or selectors.natural_view(data["to"])
        key = stats_cache.key_for(
            "poverty-table-api", stats_cache.data_version(), stats_cache.scope_of(request.viewer), data["unit"],
            data["level"], data["from"], data["to"], view,
        )
        output = stats_cache.cached(key, lambda: table_answer(
            viewer=request.viewer, code=data["unit"], level=data["level"], year_from=data["from"], year_to=data["to"],
            view=view,
        ))
        if output is None:
            raise Http404
        return Response(output)


def table_answer(*, viewer, code: str, level: str, year_from: int, year_to: int, view: str) -> dict | None:
    """The answer as plain data, or None when the unit is unknown or outside the caller's scope (not cached)."""
    table = analysis.analysis_table(viewer=viewer, code=code, level=level, year_from=year_from, year_to=year_to,
                                    view=view)
    if table is None:
        return None
    return dict(PovertyTableOutputSerializer(analysis.table_as_dict(table)).data)


urlpatterns = [
    path("stats/poverty/table/", PovertyTableView.as_view(), name="api-stats-poverty-table"),
]
