"""The poverty stats API of the contract (docs/contracts.md): `GET /api/v1/stats/poverty/`.

Thin: the input serializer checks the parameters, `reports.selectors` scopes the unit and reads the aggregate
tables (never the household reviews), the output serializer renders numbers (rates with 2 decimals, null when the
denominator is unknown). Answers are cached per scope until the next aggregate run (reports.cache).
"""

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import query_data
from programmes.groups import FIGURE_GROUPS, HouseholdGroup
from provinces.selectors import household_totals_rollup
from reports import cache as stats_cache
from reports import publications, selectors

RATE = {"max_digits": 7, "decimal_places": 2, "coerce_to_string": False, "allow_null": True}


class PovertyStatsInputSerializer(serializers.Serializer):
    unit = serializers.RegexField(r"^\d{2}$|^\d{3}$|^\d{5}$", help_text="Mã đơn vị (GSO): 2, 3 hoặc 5 chữ số.")
    year = serializers.IntegerField(
        min_value=2000, max_value=2100, help_text="Năm rà soát (số liệu cuối năm): cuối năm 2022 là 2022."
    )
    group = serializers.ChoiceField(
        choices=[group.value for group in FIGURE_GROUPS], default=HouseholdGroup.ALL, required=False
    )
    view = serializers.ChoiceField(
        choices=selectors.VIEWS, required=False,
        help_text=(
            "current: số liệu các năm trước 1/7/2025 tính lại theo đơn vị hiện nay (34 tỉnh, 3.321 xã); legacy: số "
            "liệu từ 2025 theo đơn vị cũ. Mặc định: đơn vị có hiệu lực cuối năm `year`."
        ),
    )


class PublicationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    decision_number = serializers.CharField()
    decision_date = serializers.DateField()
    version = serializers.IntegerField()


class PovertyStatsOutputSerializer(serializers.Serializer):
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    level = serializers.CharField()
    year = serializers.IntegerField()
    group = serializers.CharField()
    view = serializers.ChoiceField(choices=selectors.VIEWS)
    remapped = serializers.BooleanField(help_text="Số liệu được tính lại qua liên kết sáp nhập năm 2025.")
    sources = serializers.ListField(child=serializers.CharField(), help_text="Mã các đơn vị gốc khi tính lại.")
    total_households = serializers.IntegerField(allow_null=True, help_text="Tổng số hộ (mẫu số); null: chưa có.")
    poor = serializers.IntegerField()
    near_poor = serializers.IntegerField()
    poverty_rate = serializers.DecimalField(**RATE)
    near_poverty_rate = serializers.DecimalField(**RATE)
    multidimensional_poverty_rate = serializers.DecimalField(**RATE, help_text="(nghèo + cận nghèo) / tổng số hộ")
    middle = serializers.IntegerField()
    not_poor = serializers.IntegerField()
    reviewed = serializers.IntegerField()
    newly_poor = serializers.IntegerField()
    re_poor = serializers.IntegerField()
    escaped = serializers.IntegerField()
    remained = serializers.IntegerField()
    mismatches = serializers.IntegerField()
    communes_reviewed = serializers.IntegerField()
    communes_total = serializers.IntegerField()
    standard = serializers.CharField(allow_blank=True)
    computed_at = serializers.DateTimeField(allow_null=True)
    official = serializers.BooleanField(
        help_text="true: số liệu chính thức, đọc từ bản đã công bố (không đổi khi tính lại); false: tạm tính."
    )
    publication = PublicationRefSerializer(allow_null=True, help_text="Lần công bố; null khi số liệu tạm tính.")


def poverty_output(figures: selectors.PovertyFigures) -> dict:
    data = selectors.figures_as_dict(figures)
    data.update(level=figures.unit.level, sources=list(figures.sources), group=str(figures.group))
    return data


class PovertyStatsView(APIView):
    """`GET /api/v1/stats/poverty/?unit=CODE&year=YYYY[&group=…][&view=current|legacy]`: households reviewed in
    the unit (and every unit below it) at the end of `year`: poor, near-poor and the other classifications (the
    engine's), year-on-year changes, declared-vs-computed mismatches, and the rates in percent of all households
    (2 decimals; null when the denominator is unknown or no commune has been reviewed).

    The code means the unit in force at the end of `year` (today's unit with `view=current` for earlier years; the
    legacy unit with `view=legacy` for 2025 on). A unit outside the caller's scope is a 404, as an unknown one is.
    Reads only the aggregate tables."""

    api_errors = {404: "Không có đơn vị này (theo `year` và `view`), hoặc đơn vị ngoài phạm vi dữ liệu của người gọi."}

    @extend_schema(parameters=[PovertyStatsInputSerializer], responses=PovertyStatsOutputSerializer)
    def get(self, request):
        data = query_data(request, PovertyStatsInputSerializer)
        year, view, group = data["year"], data.get("view") or selectors.natural_view(data["year"]), data["group"]
        key = stats_cache.key_for(
            "poverty-api", stats_cache.data_version(), stats_cache.scope_of(request.viewer), data["unit"], year, view,
            group,
        )
        output = stats_cache.cached(key, lambda: poverty_answer(viewer=request.viewer, code=data["unit"], year=year,
                                                               view=view, group=group))
        if output is None:
            raise Http404
        return Response(output)


def poverty_answer(*, viewer, code: str, year: int, view: str, group: str) -> dict | None:
    """The answer as plain data, or None when the unit is unknown or outside the caller's scope (not cached)."""
    unit = selectors.unit_for_view_visible(viewer=viewer, code=code, year=year, view=view)
    if unit is None:
        return None
    # A published province-year answers from its frozen snapshot (reports.publications), in the year's own units.
    publication = publications.publication_of(unit=unit, year=year) if view == selectors.natural_view(year) else None
    if publication is not None:
        figures = publications.official_figures(publication=publication, unit=unit, group=group)
    else:
        figures = selectors.poverty_under(unit=unit, year=year, view=view, group=group)
    if figures is None:  # nothing reviewed yet: the denominator if known, no rate
        total = household_totals_rollup(unit=unit, year=year) if group == HouseholdGroup.ALL else None
        figures = selectors.PovertyFigures(unit=unit, year=year, group=group, total_households=total, view=view)
    output = poverty_output(figures)
    output.update(official=publication is not None, publication=publications.publication_summary(publication))
    if figures.communes_reviewed == 0:
        output.update(poverty_rate=None, near_poverty_rate=None, multidimensional_poverty_rate=None)
    return dict(PovertyStatsOutputSerializer(output).data)


urlpatterns = [
    path("stats/poverty/", PovertyStatsView.as_view(), name="api-stats-poverty"),
]
