"""The review cycle's API (docs/contracts.md, issue 17): `GET /api/v1/review-status/?unit=&year=` and
`POST /api/v1/review-status/submit/ | approve/ | return/`.

Thin: the input serializer checks the body, `households.cycle` scopes the unit (out of scope looks missing: 404),
checks the role (config/access.py `review_status`) and the state (409 with a Vietnamese `detail` naming who
submitted the year and when), and records the transition.
"""

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import query_data
from config.permissions import MatrixPermission
from households import cycle

CODE = r"^\d{2}$|^\d{3}$|^\d{5}$"


class UnitYearInputSerializer(serializers.Serializer):
    unit = serializers.RegexField(CODE, help_text="Mã đơn vị (2, 3 hoặc 5 chữ số), theo đơn vị có hiệu lực cuối năm.")
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="Năm rà soát.")


class ReturnInputSerializer(UnitYearInputSerializer):
    comment = serializers.CharField(max_length=2000, help_text="Lý do trả lại (bắt buộc).")


class ChildStateSerializer(serializers.Serializer):
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    state = serializers.ChoiceField(choices=cycle.ReviewState.values)
    submitted_at = serializers.DateTimeField(allow_null=True)
    submitted_by = serializers.CharField(allow_null=True)
    comment = serializers.CharField(allow_blank=True)


class CompletenessSerializer(serializers.Serializer):
    submitted = serializers.IntegerField(help_text="Số đơn vị đã chốt (kể cả đã được duyệt).")
    approved = serializers.IntegerField()
    total = serializers.IntegerField()


class ReviewStatusSerializer(serializers.Serializer):
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    year = serializers.IntegerField()
    state = serializers.ChoiceField(choices=cycle.ReviewState.values)
    submitted_by = serializers.CharField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    decided_by = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    comment = serializers.CharField(allow_blank=True)
    submitting_level = serializers.CharField(help_text="district (trước 1/7/2025) hoặc commune.")
    children = ChildStateSerializer(many=True)
    completeness = CompletenessSerializer()


def review_status_data(*, unit, year: int) -> dict:
    """The contract's body for a unit-year (three to five queries)."""
    own = cycle.unit_year_state(unit=unit, year=year)
    children = cycle.children_states(unit=unit, year=year)
    counted = children or ([own] if own.is_submitting_unit else [])
    completeness = cycle.completeness_of(counted)
    return ReviewStatusSerializer({
        "unit": unit.code, "unit_name": unit.name, "year": year, "state": own.state,
        "submitted_by": own.submitted_by, "submitted_at": own.submitted_at, "decided_by": own.decided_by,
        "decided_at": own.decided_at, "comment": own.comment, "submitting_level": cycle.submitting_level(year),
        "children": children,
        "completeness": {"submitted": completeness.submitted, "approved": completeness.approved,
                         "total": completeness.total},
    }).data


def _unit(request, data):
    unit = cycle.unit_for_review(viewer=request.viewer, code=data["unit"], year=data["year"])
    if unit is None:
        raise Http404
    return unit


NOT_FOUND = "Không có đơn vị này vào cuối năm `year`, hoặc đơn vị ngoài phạm vi dữ liệu của người gọi."
CONFLICT = ("Trạng thái không cho phép: đơn vị đã chốt/đã được duyệt, năm đã công bố, hoặc chưa chốt (thông báo nêu "
            "ai chốt và lúc nào).")


class ReviewStatusView(APIView):
    """The state of a unit's review of `year` (`published` once the province has published it), the states of the
    submitting units below it and how many have submitted / been approved."""

    permission_classes = [MatrixPermission]
    access_resource = "review_status"
    access_actions = {"GET": "detail"}
    api_errors = {404: NOT_FOUND}

    @extend_schema(parameters=[UnitYearInputSerializer], responses=ReviewStatusSerializer)
    def get(self, request):
        data = query_data(request, UnitYearInputSerializer)
        unit = _unit(request, data)
        return Response(review_status_data(unit=unit, year=data["year"]))


class _TransitionView(APIView):
    permission_classes = [MatrixPermission]
    access_resource = "review_status"
    input_serializer = UnitYearInputSerializer
    api_errors = {404: NOT_FOUND, 409: CONFLICT}

    def act(self, *, unit, year, data, user):
        raise NotImplementedError

    def post(self, request):
        body = self.input_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        unit = _unit(request, data)
        self.act(unit=unit, year=data["year"], data=data, user=request.user)
        return Response(review_status_data(unit=unit, year=data["year"]))


class SubmitView(_TransitionView):
    """The unit "chốt" its review of `year` (open or returned → submitted): a district for years before 1 July
    2025, a commune from then on. From then on the unit-year accepts no import, revert or household change."""

    access_actions = {"POST": "submit"}

    @extend_schema(request=UnitYearInputSerializer, responses=ReviewStatusSerializer)
    def post(self, request):
        return super().post(request)

    def act(self, *, unit, year, data, user):
        cycle.unit_review_submit(unit=unit, year=year, acting_user=user)


class ApproveView(_TransitionView):
    """Provincial staff approve a submitted unit-year (submitted → approved)."""

    access_actions = {"POST": "approve"}

    @extend_schema(request=UnitYearInputSerializer, responses=ReviewStatusSerializer)
    def post(self, request):
        return super().post(request)

    def act(self, *, unit, year, data, user):
        cycle.unit_review_approve(unit=unit, year=year, acting_user=user)


class ReturnView(_TransitionView):
    """Provincial staff return a submitted (or approved, unpublished) unit-year with a comment (→ returned); the
    officer sees it on the import page and may import again."""

    access_actions = {"POST": "return"}
    input_serializer = ReturnInputSerializer

    @extend_schema(request=ReturnInputSerializer, responses=ReviewStatusSerializer)
    def post(self, request):
        return super().post(request)

    def act(self, *, unit, year, data, user):
        cycle.unit_review_return(unit=unit, year=year, comment=data["comment"], acting_user=user)


urlpatterns = [
    path("review-status/", ReviewStatusView.as_view(), name="api-review-status"),
    path("review-status/submit/", SubmitView.as_view(), name="api-review-submit"),
    path("review-status/approve/", ApproveView.as_view(), name="api-review-approve"),
    path("review-status/return/", ReturnView.as_view(), name="api-review-return"),
]
