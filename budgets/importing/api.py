"""`POST/GET /api/v1/budget-imports/` and `GET /api/v1/budget-imports/{id}/` (docs/contracts.md): upload a budget
spreadsheet as a job, follow it. Thin: budgets.importing.pipeline decides, budgets.importing.selectors scopes."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from budgets.importing.pipeline import budget_import_create
from budgets.importing.selectors import budget_import_visible, budget_imports_visible_to
from budgets.models import BudgetImport
from config.errors import ApplicationError
from config.permissions import MatrixPermission
from config.schema import error_response
from spreadsheets.api import ProblemSerializer, UploadListCreateView, queue_down_response, upload_refused_response


class BudgetImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="Tệp .xlsx, .xls, .ods hoặc .csv.")
    kind = serializers.ChoiceField(choices=BudgetImport.Kind.values,
                                   help_text="`allocations` (kế hoạch vốn) hoặc `disbursements` (giải ngân).")


class BudgetImportCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class BudgetImportErrorSerializer(ProblemSerializer):  # its own name: the schema's `BudgetImportError`
    pass


class BudgetImportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField(help_text="`queued`, `running`, `rejected` hoặc `committed`.")
    progress = serializers.IntegerField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField(help_text="Bút toán kế hoạch vốn hoặc khoản giải ngân đã ghi.")
    updated = serializers.IntegerField(help_text="Dòng kế hoạch vốn đã có trước tệp và được tệp thay đổi.")
    rejected = serializers.IntegerField(source="rows_rejected", help_text="Số dòng có lỗi.")
    error_count = serializers.IntegerField()
    errors = BudgetImportErrorSerializer(many=True, help_text="100 lỗi đầu, theo dòng và cột.")
    file_name = serializers.CharField(source="original_name")
    created_at = serializers.DateTimeField()


class BudgetImportListCreateView(UploadListCreateView):
    access_resource = "budget_imports"
    serializer_class = BudgetImportOutputSerializer

    def get_queryset(self):
        return budget_imports_visible_to(viewer=self.request.viewer, action="list")

    @extend_schema(request=BudgetImportInputSerializer, responses={
        201: BudgetImportCreatedSerializer,
        400: error_response(400, "Tệp thiếu, rỗng hoặc quá lớn, loại số liệu sai, hoặc tệp (cùng nội dung) đã được "
                                 "nhập: khi đó `duplicate_of` là số của lần nhập trước.",
                            extra_properties={"duplicate_of": {"type": "integer"}}),
        503: error_response(503, "Hàng đợi xử lý (Redis) hoặc cơ sở dữ liệu không hoạt động: tệp chưa được nhận."),
    })
    def post(self, request):
        if (down := queue_down_response()) is not None:  # the file could not be queued
            return down
        data = BudgetImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        try:
            job = budget_import_create(acting_user=request.user, file=upload, kind=data.validated_data["kind"],
                                       file_name=upload.name)
        except ApplicationError as error:
            return upload_refused_response(error)
        job.refresh_from_db(fields=["status"])  # eager mode: it may have run already
        return Response({"id": job.pk, "status": job.status}, status=status.HTTP_201_CREATED)


class BudgetImportDetailView(APIView):
    permission_classes = [MatrixPermission]
    access_resource = "budget_imports"
    access_actions = {"GET": "status"}
    api_errors = {404: "Không có lần nhập này, hoặc lần nhập của đơn vị ngoài phạm vi của người gọi."}

    @extend_schema(responses=BudgetImportOutputSerializer)
    def get(self, request, pk: int):
        job = budget_import_visible(viewer=request.viewer, pk=pk)
        if job is None:
            raise Http404
        return Response(BudgetImportOutputSerializer(job).data)
