"""The disbursement stats API of the contract (docs/contracts.md). Thin: the selectors scope and compute."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from budgets.api.serializers import (
    DisbursementStatsInputSerializer,
    DisbursementStatsOutputSerializer,
    progress_output,
)
from budgets.selectors import disbursement_progress, unit_visible
from config.api import query_data
from config.permissions import MatrixPermission


class DisbursementStatsView(APIView):
    """`GET /api/v1/stats/disbursement/?unit=CODE&year=YYYY`: allocated, carried over and disbursed funds of the
    unit and every unit below it, in whole VND (integers), with `rate` = disbursed / (allocated + carried_over)
    × 100 (2 decimals; null when nothing is available), by source, capital type, project, unit and month, the
    local counterpart ratio and the lines behind schedule or overdue.

    The code means the unit in force at the end of `year`. A unit outside the caller's scope is a 404, as an
    unknown one is; a missing or malformed parameter is a 400 naming it."""

    permission_classes = [MatrixPermission]
    access_resource = "allocations"
    api_errors = {404: "Không có đơn vị này vào cuối năm `year`, hoặc đơn vị ngoài phạm vi dữ liệu của người gọi."}

    @extend_schema(parameters=[DisbursementStatsInputSerializer], responses=DisbursementStatsOutputSerializer)
    def get(self, request):
        data = query_data(request, DisbursementStatsInputSerializer)
        unit = unit_visible(viewer=request.viewer, code=data["unit"], year=data["year"])
        if unit is None:
            raise Http404
        progress = disbursement_progress(unit=unit, year=data["year"])
        return Response(DisbursementStatsOutputSerializer(progress_output(progress)).data)
