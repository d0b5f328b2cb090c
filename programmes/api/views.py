"""The projects and targets APIs of the contract (docs/contracts.md). Thin: the selectors scope every read."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView

from config.api import query_data
from config.permissions import MatrixPermission
from programmes.api.serializers import (
    ProjectListInputSerializer,
    ProjectOutputSerializer,
    TargetListInputSerializer,
    TargetOutputSerializer,
)
from programmes.selectors import poverty_targets_of_unit, poverty_targets_visible_to, projects_with_subprojects


class ProjectListView(ListAPIView):
    """The projects of a programme period with their sub-projects (reference data: every signed-in caller)."""

    serializer_class = ProjectOutputSerializer

    def get_queryset(self):
        data = query_data(self.request, ProjectListInputSerializer)
        return projects_with_subprojects(programme_code=data.get("programme"))

    @extend_schema(parameters=[ProjectListInputSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class TargetListView(ListAPIView):
    """Poverty-rate targets in percentage points.

    With `unit`: the targets of the unit that code means at the end of `year` (empty when it is outside the
    caller's scope); without: every target in the caller's scope for `year` (all years when `year` is absent).
    """

    serializer_class = TargetOutputSerializer
    permission_classes = [MatrixPermission]
    access_resource = "targets"

    def get_queryset(self):
        data = query_data(self.request, TargetListInputSerializer)
        if data.get("unit"):
            queryset = poverty_targets_of_unit(
                viewer=self.request.viewer, code=data["unit"], year=data.get("year") or timezone.localdate().year
            )
        else:
            queryset = poverty_targets_visible_to(viewer=self.request.viewer).order_by("year", "unit__code", "group")
            if data.get("year"):
                queryset = queryset.filter(year=data["year"])
        if data.get("group"):
            queryset = queryset.filter(group=data["group"])
        return queryset

    @extend_schema(parameters=[TargetListInputSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
