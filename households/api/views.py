"""The households API: classify a household against a standard, and list reviews in the caller's scope.

Thin: input serializers check the request, selectors scope and filter, the engine classifies.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import query_data
from config.errors import ApplicationError
from config.permissions import MatrixPermission
from households.api.serializers import (
    ClassifyInputSerializer,
    ClassifyOutputSerializer,
    ReviewListInputSerializer,
    ReviewOutputSerializer,
)
from households.classification import ClassificationInputError, classify
from households.selectors import (
    ReviewFilters,
    ReviewPaginator,
    household_reviews_filter,
    household_reviews_visible_to,
    may_see_personal_data,
    standards_all,
)


class ClassifyView(APIView):
    """Classify one household under a standard (pure computation: nothing is stored).

    400 naming the field for an unknown standard or area, a negative or non-integer income, or an indicator key
    the standard does not have."""

    @extend_schema(request=ClassifyInputSerializer, responses=ClassifyOutputSerializer)
    def post(self, request):
        standards = standards_all()
        params = ClassifyInputSerializer(data=request.data, context={"standards": standards})
        params.is_valid(raise_exception=True)
        data = params.validated_data
        rules = standards.rules[data["standard"]]
        try:
            result = classify(
                standard=rules,
                area=data["area"],
                income_per_capita=data["income_per_capita"],
                deprivations=frozenset(data["deprivations"]),
            )
        except ClassificationInputError as error:  # the serializer checks the same things; kept as a safety net
            raise ApplicationError(error.message, field=error.field) from None
        output = {
            **{name: getattr(result, name) for name in (
                "classification", "deprivation_count", "standard", "area", "income_per_capita", "deprivations",
                "income_line", "middle_ceiling", "min_deprivations", "reason",
            )},
            "label": result.classification.label,
            "to_confirm": rules.to_confirm,
        }
        return Response(ClassifyOutputSerializer(output).data)


class ReviewPagination(PageNumberPagination):
    django_paginator_class = ReviewPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


class ReviewListView(ListAPIView):
    """Household reviews in the caller's scope, filtered by year, unit (any level: the unit in force at the end
    of `year`), classification, transition, kind and mismatch. A unit outside the caller's scope gives an empty
    list, as an unknown one does. `head_name` is masked for roles that may not see names."""

    serializer_class = ReviewOutputSerializer
    pagination_class = ReviewPagination
    permission_classes = [MatrixPermission]
    access_resource = "reviews"

    def get_queryset(self):
        data = query_data(self.request, ReviewListInputSerializer)
        year = data.get("year")
        filters = ReviewFilters(
            unit_code=data.get("unit"),
            classification=data.get("classification"),
            transition=data.get("transition"),
            kind=data.get("kind"),
            is_mismatch=data.get("is_mismatch"),
        )
        queryset = household_reviews_visible_to(viewer=self.request.viewer, year=year)
        return household_reviews_filter(queryset=queryset, year=year, filters=filters)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        return {**context, "may_see_personal_data": may_see_personal_data(viewer=self.request.viewer)}

    @extend_schema(parameters=[ReviewListInputSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
