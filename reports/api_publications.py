"""Publications of a province-year's review results (docs/contracts.md, issue 17):
`POST /api/v1/publications/`, `GET /api/v1/publications/?unit=&year=`, `POST /api/v1/publications/{id}/reopen/`."""

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import query_data
from config.permissions import MatrixPermission
from config.schema import error_response
from households import cycle
from programmes.groups import HouseholdGroup
from provinces.models import AdministrativeUnit
from reports import publications, selectors
from reports.api import RATE
from reports.models_publications import PublicationFigure

CODE = r"^\d{2}$|^\d{3}$|^\d{5}$"


class PublicationInputSerializer(serializers.Serializer):
    unit = serializers.RegexField(CODE, help_text="Mã tỉnh (đơn vị có hiệu lực cuối năm `year`).")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    decision_number = serializers.CharField(max_length=60, help_text="Số quyết định, ví dụ 1234/QĐ-UBND.")
    decision_date = serializers.DateField(help_text="Ngày quyết định (YYYY-MM-DD).")


class ReopenInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Lý do mở lại (bắt buộc, ghi vào nhật ký).")


class PublicationListInputSerializer(serializers.Serializer):
    unit = serializers.RegexField(CODE, required=False, help_text="Mã đơn vị: các lần công bố của tỉnh chứa nó, "
                                                                  "số liệu của chính đơn vị đó.")
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)


class PublishedFiguresSerializer(serializers.Serializer):
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    group = serializers.CharField()
    total_households = serializers.IntegerField(allow_null=True)
    reviewed = serializers.IntegerField()
    poor = serializers.IntegerField()
    near_poor = serializers.IntegerField()
    poverty_rate = serializers.DecimalField(**RATE)
    near_poverty_rate = serializers.DecimalField(**RATE)
    multidimensional_poverty_rate = serializers.DecimalField(**RATE)
    newly_poor = serializers.IntegerField()
    re_poor = serializers.IntegerField()
    escaped = serializers.IntegerField()
    communes_reviewed = serializers.IntegerField()
    communes_total = serializers.IntegerField()
    standard = serializers.CharField(allow_blank=True)


class PublicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = serializers.CharField(source="province.code")
    unit_name = serializers.CharField(source="province.name")
    year = serializers.IntegerField()
    version = serializers.IntegerField()
    decision_number = serializers.CharField()
    decision_date = serializers.DateField()
    published_by = serializers.CharField(source="published_by.username", allow_null=True, default=None)
    published_at = serializers.DateTimeField()
    is_current = serializers.BooleanField(help_text="false: đã mở lại (số liệu của lần này vẫn đọc được).")
    reopened_by = serializers.CharField(source="reopened_by.username", allow_null=True, default=None)
    reopened_at = serializers.DateTimeField(allow_null=True)
    reopen_reason = serializers.CharField(allow_blank=True)
    figures = serializers.SerializerMethodField()

    @extend_schema_field(PublishedFiguresSerializer(allow_null=True))
    def get_figures(self, publication):
        figure_of = self.context.get("figures", {})
        row = figure_of.get(publication.pk)
        if row is None:
            return None
        return PublishedFiguresSerializer(row).data


def _figures_for(items, unit: AdministrativeUnit | None) -> dict:
    """publication pk → the frozen figures (group "all") of `unit` (the province when None). One query."""
    pks = [item.pk for item in items]
    rows = PublicationFigure.objects.filter(publication_id__in=pks, group=HouseholdGroup.ALL).select_related("unit")
    rows = rows.filter(unit=unit) if unit is not None else rows.filter(level=AdministrativeUnit.Level.PROVINCE)
    result = {}
    for row in rows:
        figures = selectors.figures_of(row, unit=row.unit)
        result[row.publication_id] = {**selectors.figures_as_dict(figures), "group": row.group}
    return result


NOT_FOUND = "Không có đơn vị/lần công bố này, hoặc ngoài phạm vi dữ liệu của người gọi."


class PublicationListCreateView(ListAPIView):
    """GET: the published versions in the caller's scope (newest first), each with its frozen figures (of `unit`
    when given, else of the province). POST: publish a province-year with the decision's number and date: 409 while
    any submitting unit is not approved (listing them) or while a version is in force."""

    permission_classes = [MatrixPermission]
    access_resource = "publications"
    access_actions = {"GET": "list", "POST": "publish"}
    serializer_class = PublicationSerializer
    api_errors = {404: NOT_FOUND}

    def _params(self):
        return query_data(self.request, PublicationListInputSerializer)

    def get_queryset(self):
        data = self._params()
        self._list_unit = unit = self._unit(data)  # read again by paginate_queryset
        code = publications.province_id_of(unit) if unit is not None else None
        queryset = publications.publications_visible_to(viewer=self.request.viewer, year=data.get("year"))
        if code is not None:
            queryset = queryset.filter(province_id=code)
        return queryset

    def _unit(self, data):
        if not data.get("unit"):
            return None
        year = data.get("year") or 2024
        unit = cycle.unit_for_review(viewer=self.request.viewer, code=data["unit"], year=year)
        if unit is None:
            unit = (AdministrativeUnit.objects.filter(code=data["unit"]).order_by("-valid_from")
                    .select_related("parent").first())
            if unit is None or not publications.publications_visible_to(
                    viewer=self.request.viewer).filter(province_id=publications.province_id_of(unit)).exists():
                raise Http404
        return unit

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["figures"] = getattr(self, "_figure_map", {})
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        items = page if page is not None else list(queryset)
        self._figure_map = _figures_for(items, self._list_unit)
        return page

    @extend_schema(parameters=[PublicationListInputSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=PublicationInputSerializer, responses={
        201: PublicationSerializer,
        409: error_response(409, "Chưa công bố được: còn đơn vị chưa được Sở duyệt (liệt kê), hoặc năm đã được "
                                 "công bố."),
    })
    def post(self, request):
        body = PublicationInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        unit = cycle.unit_for_review(viewer=request.viewer, code=data["unit"], year=data["year"])
        if unit is None:
            raise Http404
        if unit.level != AdministrativeUnit.Level.PROVINCE:
            raise serializers.ValidationError({"unit": ["Chỉ công bố được số liệu của cả tỉnh."]})
        publication = publications.publication_create(
            province=unit, year=data["year"], decision_number=data["decision_number"],
            decision_date=data["decision_date"], acting_user=request.user,
        )
        publication = publications.publications_visible_to(viewer=request.viewer).get(pk=publication.pk)
        context = {"figures": _figures_for([publication], None)}
        return Response(PublicationSerializer(publication, context=context).data, status=status.HTTP_201_CREATED)


class PublicationReopenView(APIView):
    """Reopen a published version with a written reason (audited): imports of the year are accepted again, the
    units go back to `returned`, and the version's figures stay readable. 409 when already reopened."""

    permission_classes = [MatrixPermission]
    access_resource = "publications"
    access_actions = {"POST": "reopen"}
    api_errors = {404: NOT_FOUND, 409: "Lần công bố này đã được mở lại."}

    @extend_schema(request=ReopenInputSerializer, responses=PublicationSerializer)
    def post(self, request, pk: int):
        publication = publications.publication_visible(viewer=request.viewer, pk=pk)
        if publication is None:
            raise Http404
        body = ReopenInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        publications.publication_reopen(publication=publication, reason=body.validated_data["reason"],
                                        acting_user=request.user)
        publication = publications.publications_visible_to(viewer=request.viewer).get(pk=pk)
        context = {"figures": _figures_for([publication], None)}
        return Response(PublicationSerializer(publication, context=context).data)


urlpatterns = [
    path("publications/", PublicationListCreateView.as_view(), name="api-publications"),
    path("publications/<int:pk>/reopen/", PublicationReopenView.as_view(), name="api-publication-reopen"),
]
