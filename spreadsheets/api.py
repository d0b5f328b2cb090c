"""What the upload APIs share (`/api/v1/imports/`, `/api/v1/budget-imports/`): a problem's fields, the 503 when
the file could not be queued, the 400 when the service refuses the upload, the list-and-upload view."""

from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from config.broker import broker_down_message
from config.errors import ApplicationError
from config.permissions import MatrixPermission


# One problem of a file (spreadsheets.problems.Problem.as_dict): the row Excel shows, the column, the value. No
# docstring: drf-spectacular would show it in the schema of every subclass.
class ProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField(allow_blank=True)
    value = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class UploadListCreateView(ListAPIView):
    """GET: the caller's uploads (`access_resource` says whose, by the access matrix); POST: a multipart upload."""

    permission_classes = [MatrixPermission]
    access_actions = {"GET": "list", "POST": "create"}
    parser_classes = [MultiPartParser, FormParser]


def queue_down_response() -> Response | None:
    """503 with a Vietnamese message when jobs cannot be queued (Redis down): the file is not taken; else None."""
    down = broker_down_message()
    if down is None:
        return None
    return Response({"detail": down}, status=status.HTTP_503_SERVICE_UNAVAILABLE)


def upload_refused_response(error: ApplicationError) -> Response:
    """400 with the service's message under its field (else `detail`), plus its extra keys (`duplicate_of`)."""
    return Response({error.field or "detail": [error.message], **error.extra}, status=status.HTTP_400_BAD_REQUEST)
