"""`POST/GET /api/v1/imports/`, `GET /api/v1/imports/{id}/` and its errors page by page (docs/contracts.md)."""

import re

from django.core.paginator import EmptyPage, Paginator
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from config.errors import ApplicationError, Conflict
from config.permissions import MatrixPermission
from config.schema import error_response
from households.importing.selectors import import_batches_visible_to, may_upload
from households.importing.services import import_batch_create
from spreadsheets.api import ProblemSerializer, UploadListCreateView, queue_down_response, upload_refused_response
from spreadsheets.problems import ERRORS_PER_PAGE

PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    year = serializers.IntegerField(min_value=2021, max_value=2100)


class ImportErrorSerializer(ProblemSerializer):  # its own name: the schema's `ImportError`
    pass


class ImportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    progress = serializers.IntegerField()
    unit = serializers.CharField(source="unit.code", allow_null=True, default=None)
    year = serializers.IntegerField()
    file_name = serializers.CharField(source="original_name")
    sha256 = serializers.CharField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    rejected = serializers.IntegerField()
    warnings = serializers.IntegerField()
    mismatches = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())
    # The first page of the errors (ERRORS_PER_PAGE, sorted by row and column); all of them at `errors_url`.
    errors = ImportErrorSerializer(many=True)
    error_count = serializers.IntegerField()
    errors_url = serializers.SerializerMethodField()
    uploaded_at = serializers.DateTimeField(source="created_at")
    finished_at = serializers.DateTimeField(allow_null=True)
    duration_seconds = serializers.FloatField(allow_null=True)

    def get_errors_url(self, batch) -> str:
        url = reverse("api-import-errors", kwargs={"pk": batch.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class ImportErrorPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ImportErrorSerializer(many=True)


class ImportListCreateView(UploadListCreateView):
    access_resource = "imports"
    serializer_class = ImportOutputSerializer

    def get_queryset(self):
        return import_batches_visible_to(viewer=self.request.viewer).order_by("-created_at", "-pk")

    @extend_schema(request=ImportInputSerializer, responses={
        201: ImportOutputSerializer,
        400: error_response(400, "Tệp thiếu, rỗng hoặc quá lớn, năm không có chuẩn nghèo, hoặc tệp (cùng nội dung) đã "
                                 "được nhập: khi đó `duplicate_of` là số của lần nhập trước.",
                            extra_properties={"duplicate_of": {"type": "integer"}}),
        409: error_response(409, "Năm rà soát của đơn vị đã chốt, đã được duyệt hoặc đã công bố: không nhập được "
                                 "(thông báo nêu ai chốt và lúc nào)."),
        503: error_response(503, "Hàng đợi xử lý (Redis) hoặc cơ sở dữ liệu không hoạt động: tệp chưa được nhận."),
    })
    def post(self, request):
        if not may_upload(viewer=request.viewer):
            return Response(
                {"detail": "Vai trò của bạn không được nhập danh sách hộ."}, status=status.HTTP_403_FORBIDDEN
            )
        if (down := queue_down_response()) is not None:  # Redis down: the file could not be queued
            return down
        data = ImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            batch = import_batch_create(
                uploaded_file=data.validated_data["file"], year=data.validated_data["year"], acting_user=request.user,
                original_name=data.validated_data["file"].name,
            )
        except Conflict as error:  # the review cycle: a submitted, approved or published year (households.cycle)
            return Response({"detail": error.message}, status=status.HTTP_409_CONFLICT)
        except ApplicationError as error:
            return upload_refused_response(error)
        batch.refresh_from_db()
        return Response(ImportOutputSerializer(batch, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class ImportDetailView(APIView):
    permission_classes = [MatrixPermission]
    access_resource = "imports"
    access_actions = {"GET": "status"}

    @extend_schema(responses=ImportOutputSerializer)
    def get(self, request, pk: int):
        batch = get_object_or_404(import_batches_visible_to(viewer=request.viewer), pk=pk)
        return Response(ImportOutputSerializer(batch, context={"request": request}).data)


class ImportErrorsView(APIView):
    """`GET /api/v1/imports/{id}/errors/?page=N`: a rejected batch's errors, ERRORS_PER_PAGE at a time, sorted by
    row and column (page 1 is the detail's `errors`). One query for the batch, one for the page."""

    permission_classes = [MatrixPermission]
    access_resource = "imports"
    access_actions = {"GET": "status"}

    @extend_schema(parameters=[OpenApiParameter("page", int, description="Số trang, từ 1.")],
                   responses=ImportErrorPageSerializer)
    def get(self, request, pk: int):
        batch = get_object_or_404(import_batches_visible_to(viewer=request.viewer), pk=pk)
        raw = request.query_params.get("page", "1")
        if not PAGE_NUMBER.fullmatch(raw):
            return Response({"page": ["Số trang phải là số nguyên dương."]}, status=status.HTTP_400_BAD_REQUEST)
        paginator = Paginator(batch.error_pages_all(), ERRORS_PER_PAGE)
        try:
            page = paginator.page(int(raw))
        except EmptyPage:
            return Response({"detail": f"Không có trang lỗi số {raw} (có {paginator.num_pages} trang)."},
                            status=status.HTTP_404_NOT_FOUND)
        url = request.build_absolute_uri()
        return Response(ImportErrorPageSerializer({
            "count": paginator.count,
            "next": replace_query_param(url, "page", page.next_page_number()) if page.has_next() else None,
            "previous": (replace_query_param(url, "page", page.previous_page_number()) if page.has_previous()
                         else None),
            "results": page.object_list,
        }).data)
