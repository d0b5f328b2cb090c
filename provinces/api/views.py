from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import query_data
from config.permissions import MatrixPermission
from provinces.api.serializers import (
    UnitDetailInputSerializer,
    UnitDetailOutputSerializer,
    UnitListInputSerializer,
    UnitOutputSerializer,
)
from provinces.models import end_of_year
from provinces.selectors import unit_with_links, units_in_force, units_listable_by, units_search


class MeOutputSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    unit = serializers.CharField(allow_null=True)
    unit_name = serializers.CharField(allow_null=True)


class MeView(APIView):
    """Who the caller is and which unit their data is scoped to."""

    @extend_schema(responses=MeOutputSerializer)
    def get(self, request):
        profile = request.viewer.profile
        data = {
            "username": request.user.get_username(),
            "role": profile.role if profile else None,
            "unit": profile.unit.code if profile else None,
            "unit_name": profile.unit.name if profile else None,
        }
        return Response(MeOutputSerializer(data).data)


class UnitPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


def _in_force_for(request, params: dict):
    year = params.get("year") or timezone.localdate().year
    on = end_of_year(year)
    return units_listable_by(viewer=request.viewer) & units_in_force(on=on)


class UnitListView(ListAPIView):
    """Units in force at the end of `year`, that the caller may see: their own unit and everything below it,
    their unit's parents, and across the 2025 reorganisation the units linked to those."""

    serializer_class = UnitOutputSerializer
    pagination_class = UnitPagination
    permission_classes = [MatrixPermission]
    access_resource = "units"

    def get_queryset(self):
        data = query_data(self.request, UnitListInputSerializer)
        queryset = _in_force_for(self.request, data)
        if data.get("level"):
            queryset = queryset.filter(level=data["level"])
        if data.get("parent"):
            queryset = queryset.filter(parent__code=data["parent"])
        queryset = units_search(queryset=queryset, text=data.get("q", ""))
        return queryset.select_related("parent").order_by("code", "valid_from")

    @extend_schema(parameters=[UnitListInputSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class UnitDetailView(APIView):
    """The unit a code means at the end of `year`, with its successors and predecessors across 2025.

    404 when no such unit was in force, or when it is outside what the caller may see.
    """

    permission_classes = [MatrixPermission]
    access_resource = "units"
    access_actions = {"GET": "detail"}
    api_errors = {404: "Không có đơn vị mang mã này vào cuối năm `year`, hoặc đơn vị ngoài phạm vi của người gọi."}

    @extend_schema(
        parameters=[
            UnitDetailInputSerializer,
            OpenApiParameter("code", str, OpenApiParameter.PATH, pattern=r"^\d{2,5}$",
                             description="Mã đơn vị (GSO): 2 đến 5 chữ số."),
        ],
        responses=UnitDetailOutputSerializer,
    )
    def get(self, request, code: str):
        data = query_data(request, UnitDetailInputSerializer)
        unit = unit_with_links(_in_force_for(request, data).filter(code=code)).first()
        if unit is None:
            raise NotFound()
        return Response(UnitDetailOutputSerializer(unit).data)
