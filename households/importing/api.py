"""`POST/GET /api/v1/imports/` and `GET /api/v1/imports/{id}/` (docs/contracts.md)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ApplicationError
from config.broker import broker_down_message
from config.permissions import MatrixPermission
from households.importing.pipeline import import_batch_create
from households.importing.selectors import import_batches_visible_to, may_upload


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    year = serializers.IntegerField(min_value=2021, max_value=2100)


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField(allow_blank=True)
    value = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


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
    errors = ImportErrorSerializer(many=True)
    uploaded_at = serializers.DateTimeField(source="created_at")
    finished_at = serializers.DateTimeField(allow_null=True)
    duration_seconds = serializers.FloatField(allow_null=True)


class ImportListCreateView(ListAPIView):
    permission_classes = [MatrixPermission]
    access_resource = "imports"
    access_actions = {"GET": "list", "POST": "create"}
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = ImportOutputSerializer

    def get_queryset(self):
        return import_batches_visible_to(user=self.request.user).order_by("-created_at", "-pk")

    @extend_schema(request=ImportInputSerializer, responses={201: ImportOutputSerializer})
    def post(self, request):
        if not may_upload(user=request.user):
            return Response(
                {"detail": "Vai trò của bạn không được nhập danh sách hộ."}, status=status.HTTP_403_FORBIDDEN
            )
        if (down := broker_down_message()) is not None:  # Redis down: the file could not be queued
            return Response({"detail": down}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        data = ImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            batch = import_batch_create(
                uploaded_file=data.validated_data["file"], year=data.validated_data["year"], acting_user=request.user,
                original_name=data.validated_data["file"].name,
            )
        except ApplicationError as error:
            field = error.field or "detail"
            body = {field: [error.message], **error.extra}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        batch.refresh_from_db()
        return Response(ImportOutputSerializer(batch).data, status=status.HTTP_201_CREATED)


class ImportDetailView(APIView):
    permission_classes = [MatrixPermission]
    access_resource = "imports"
    access_actions = {"GET": "status"}

    @extend_schema(responses=ImportOutputSerializer)
    def get(self, request, pk: int):
        batch = get_object_or_404(import_batches_visible_to(user=request.user), pk=pk)
        return Response(ImportOutputSerializer(batch).data)
