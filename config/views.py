import logging
import sys

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.broker import broker_status

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30


def _database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return {"ok": False, "vendor": connection.vendor, "error": error.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def _broker_status() -> dict:
    return broker_status()


def _is_operator(request) -> bool:
    """A logged-in Django staff account (the people who run the servers). Never asks the database without a
    session cookie, and an unreachable database (what a health check is for) makes the caller anonymous."""
    from django.conf import settings

    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    try:
        return bool(request.user.is_authenticated and request.user.is_staff)
    except DatabaseError:
        return False


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Database and broker status for load balancers and docker-compose health checks: 200 or 503 with
    {"status": "ok"|"unavailable"}. Which database and broker, and why one failed, only to staff accounts."""
    database = _database_status()
    broker = _broker_status()
    healthy = database["ok"] and broker["ok"]
    body = {"status": "ok" if healthy else "unavailable"}
    if _is_operator(request):
        body.update(database=database, broker=broker)
    return JsonResponse(body, status=200 if healthy else 503)


def _unavailable(request, message) -> HttpResponse:
    """503 with Retry-After: JSON under /api/, else the stand-alone 503 page rendered without the request context
    (the context processors and request.user would query the database again)."""
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        body = loader.get_template("503.html").render({"message": message, "retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def database_unavailable(request, exception) -> HttpResponse:
    """503 while the database is unreachable. Renders without the request context: the context processors and
    request.user would query the database again."""
    logger.error("database unavailable during %s %s: %s", request.method, request.path, exception.__class__.__name__)
    message = _("Cơ sở dữ liệu tạm thời không truy cập được (đang khởi động lại hoặc bảo trì). "
                "Dữ liệu của bạn không bị mất; xin thử lại sau ít phút.")
    return _unavailable(request, message)


def broker_unavailable(request, exception) -> HttpResponse:
    """503 when a background job could not be queued (Redis unreachable). The database work of the request may
    already be committed (jobs are queued on commit), so the message says to reload and check."""
    logger.error("broker unavailable during %s %s: %s", request.method, request.path, exception)
    message = _("Hàng đợi xử lý (Redis) đang không hoạt động nên việc xử lý nền chưa được giao. Thao tác có thể "
                "đã được lưu: hãy tải lại trang để kiểm tra, và thử lại sau ít phút hoặc báo quản trị hệ thống.")
    return _unavailable(request, message)


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def bad_request(request, exception):
    """handler400: JSON under /api/, else templates/400.html (Django's own view)."""
    if _is_api(request):
        message = exception.args[0] if exception.args else _("Yêu cầu không hợp lệ.")
        return JsonResponse({"detail": str(message)}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    """handler403: JSON under /api/ (an unknown address there never reaches DRF), else templates/403.html."""
    if _is_api(request):
        return JsonResponse({"detail": _("Bạn không có quyền thực hiện thao tác này.")}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    """handler404: JSON under /api/, else templates/404.html in the site's shell. The exception's text is not
    shown: Django's own ("No Household matches the given query.") is English and names the model."""
    if _is_api(request):
        return JsonResponse({"detail": _("Không tìm thấy.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: a database outage hit before any view (session or user lookup) still gets the 503 page.
    Otherwise templates/500.html, rendered without the request context (nothing that needs the database)."""
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        return database_unavailable(request, exception)
    if _is_api(request):
        return JsonResponse({"detail": _("Lỗi hệ thống: yêu cầu chưa được xử lý. Xin thử lại sau ít phút hoặc báo "
                                         "quản trị hệ thống.")}, status=500)
    return defaults.server_error(request)
