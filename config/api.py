"""One place that turns domain errors into HTTP 400s for the API (docs/architecture.md, Conventions), and DRF's
English 401/403/404/429 bodies into Vietnamese ones."""

import math

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import ApplicationError, Conflict


def query_data(request, serializer_class) -> dict:
    """The query parameters of an API request, checked by `serializer_class`: its validated data (a 400 naming the
    parameter at fault otherwise)."""
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data


class ConflictError(exceptions.APIException):
    status_code = 409
    default_detail = "Xung đột trạng thái."
    default_code = "conflict"


def _vietnamese(exc):
    """DRF's default messages (not translated into Vietnamese by DRF) and Django's get_object_or_404 text (English,
    naming the model) replaced; a message of our own (Vietnamese) is kept."""
    if isinstance(exc, Http404):
        return exceptions.NotFound(_("Không tìm thấy."))
    if isinstance(exc, PermissionDenied) and not exc.args:
        return exceptions.PermissionDenied(_("Bạn không có quyền thực hiện thao tác này."))
    if isinstance(exc, exceptions.NotAuthenticated) and exc.detail == exc.default_detail:
        return exceptions.NotAuthenticated(_("Chưa đăng nhập: hãy đăng nhập hoặc gửi token trong tiêu đề "
                                             "Authorization."))
    if isinstance(exc, exceptions.AuthenticationFailed) and exc.detail == exc.default_detail:
        return exceptions.AuthenticationFailed(_("Thông tin đăng nhập không đúng."))
    if isinstance(exc, exceptions.PermissionDenied) and exc.detail == exc.default_detail:
        return exceptions.PermissionDenied(_("Bạn không có quyền thực hiện thao tác này."))
    if isinstance(exc, exceptions.NotFound) and str(exc.detail) in (str(exc.default_detail), "Invalid page."):
        return exceptions.NotFound(_("Không tìm thấy."))
    if isinstance(exc, exceptions.Throttled):
        seconds = math.ceil(exc.wait) if exc.wait is not None else None
        message = (_("Quá nhiều yêu cầu; xin thử lại sau %(seconds)s giây.") % {"seconds": seconds}
                   if seconds is not None else _("Quá nhiều yêu cầu; xin thử lại sau."))
        throttled = exceptions.Throttled(detail=message)  # with wait=, DRF appends an English sentence
        throttled.wait = exc.wait  # still sent as Retry-After
        return throttled
    return exc


def exception_handler(exc, context):
    exc = _vietnamese(exc)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Conflict):
        exc = ConflictError(exc.message)
    elif isinstance(exc, ApplicationError):
        detail = {exc.field: [exc.message]} if exc.field else {"detail": exc.message}
        exc = exceptions.ValidationError({**detail, **exc.extra})
    return drf_exception_handler(exc, context)
