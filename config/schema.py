"""The OpenAPI schema's error answers, declared once for every API operation (docs/contracts.md, Conventions).

`ApiAutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) adds to each operation the errors it can really answer,
each with its body:

- 400 `ValidationError`: every operation. A bad parameter or body field names the field; `detail` when no field
  is at fault (malformed body, a NUL byte anywhere in the address, which config.middleware refuses before any view).
- 403 `Error`: every operation that needs a caller (all of them): no or a bad session/token (403, not 401: session
  authentication comes first), a session still owing its second factor, or a role the access matrix denies.
- 404 `Error`: an operation with a path parameter (unknown object, or one outside the caller's scope, which looks
  the same) and a paginated list (`?page=` past the end).
- 413 and 415 `Error`: an operation with a request body (config.middleware.RequestSizeLimitMiddleware answers 413
  from Content-Length; DRF answers 415 for a media type the operation does not parse).
- 503 `Error` with Retry-After: every operation (the database outage handlers in config.middleware/config.views).
- 429 `Error` with Retry-After: an operation with throttles (none at present).

A view adds or rewords its own in `api_errors = {status: description}` (e.g. the stats endpoints' 404 for a
unit outside the scope); an explicit `@extend_schema(responses={status: …})` always wins over these defaults.
`error_response()` builds one of these answers for `@extend_schema` where a view's error body is special.
409 is declared by the views that answer it (the review cycle's transitions and publications, an upload for a
submitted or published year: `api_errors = {409: …}`); a duplicate upload stays a 400 with `duplicate_of`, by
contract.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny


# The body of every error answer but a field-level 400 (config.api's exception handler, config.views and
# config.middleware all answer it under /api/). Its docstring is the component's description in the schema.
class ErrorSerializer(serializers.Serializer):
    """Lỗi: một thông báo tiếng Việt trong `detail`."""

    detail = serializers.CharField(help_text="Thông báo lỗi (tiếng Việt).")


STRINGS = {"type": "array", "items": {"type": "string"}}

# DRF's field-error shape: field → messages; a nested serializer or list field → its own mapping (by field or
# by index); `detail` (one message, or several for a model's own validation) when no field is at fault.
VALIDATION_ERROR = {
    "type": "object",
    "description": (
        "Lỗi dữ liệu vào: mỗi trường sai kèm danh sách thông báo (tiếng Việt), ví dụ "
        '`{"income_per_capita": ["…"]}`; `detail` khi lỗi không thuộc trường nào; `non_field_errors` khi lỗi do '
        "nhiều trường kết hợp."
    ),
    "properties": {
        "detail": {"anyOf": [{"type": "string"}, STRINGS], "description": "Lỗi không thuộc trường nào."},
        "non_field_errors": STRINGS,
    },
    "additionalProperties": {"anyOf": [STRINGS, {"type": "object"}]},
    "minProperties": 1,
}

DEFAULT_DESCRIPTIONS = {
    400: _("Tham số hoặc dữ liệu gửi lên không hợp lệ (nêu tên trường sai), hoặc địa chỉ chứa ký tự NUL."),
    403: _("Chưa đăng nhập, phiên/mã API không hợp lệ, phiên chưa xác thực hai bước, hoặc vai trò không được "
           "thực hiện thao tác này."),
    404: _("Không tìm thấy: không có, hoặc ngoài phạm vi dữ liệu của người gọi."),
    413: _("Dữ liệu gửi lên quá lớn."),
    415: _("Kiểu nội dung (Content-Type) không được hỗ trợ."),
    429: _("Quá nhiều yêu cầu; thử lại sau (Retry-After giây)."),
    503: _("Cơ sở dữ liệu hoặc hàng đợi xử lý tạm thời không hoạt động; thử lại sau (Retry-After giây)."),
}
NUL_ONLY = _("Địa chỉ chứa ký tự NUL.")
PAGE_NOT_FOUND = _("Trang (`page`) không tồn tại.")
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Số giây nên chờ trước khi thử lại."}}
BODY_METHODS = {"POST", "PUT", "PATCH"}


def error_response(status: int, description: str | None = None, *, extra_properties: dict | None = None):
    """One error answer for `@extend_schema(responses={status: error_response(status, …)})`, where a view's error
    body carries more than the shared components (`extra_properties` are added to the 400 field-error shape)."""
    if status == 400:
        schema = {**VALIDATION_ERROR, "properties": {**VALIDATION_ERROR["properties"], **(extra_properties or {})}}
    else:
        schema = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
    return OpenApiResponse(schema, description=str(description or DEFAULT_DESCRIPTIONS.get(status, "")))


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the error answers of every operation (see the module docstring)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for status, description in self.error_statuses().items():
            responses.setdefault(str(status), self._error_response(status, description))
        for status in ("429", "503"):
            if status in responses:
                responses[status].setdefault("headers", RETRY_AFTER)
        return dict(sorted(responses.items()))

    def error_statuses(self) -> dict[int, str]:
        """{status: description} of the errors this operation can answer."""
        takes_input = self.method in BODY_METHODS or bool(self._get_parameters())
        statuses = {400: DEFAULT_DESCRIPTIONS[400] if takes_input else NUL_ONLY, 503: DEFAULT_DESCRIPTIONS[503]}
        if not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            statuses[403] = DEFAULT_DESCRIPTIONS[403]
        if "{" in self.path:
            statuses[404] = DEFAULT_DESCRIPTIONS[404]
        elif self.method == "GET" and self._is_list_view() and self._get_paginator():
            statuses[404] = PAGE_NOT_FOUND
        if self.view.get_throttles():
            statuses[429] = DEFAULT_DESCRIPTIONS[429]
        if self.method in BODY_METHODS:
            statuses[413] = DEFAULT_DESCRIPTIONS[413]
            statuses[415] = DEFAULT_DESCRIPTIONS[415]
        for status, description in getattr(self.view, "api_errors", {}).items():
            statuses[status] = description
        return statuses

    def _error_response(self, status: int, description) -> dict:
        if status == 400:
            component = ResolvedComponent(
                name="ValidationError", type=ResolvedComponent.SCHEMA, schema=VALIDATION_ERROR,
                object="ValidationError",
            )
            self.registry.register_on_missing(component)
            schema = component.ref
        else:
            schema = self.resolve_serializer(ErrorSerializer, "response").ref
        return {"description": str(description), "content": {"application/json": {"schema": schema}}}
