import logging
import sys

from django.contrib.auth.decorators import login_not_required
from django.db import InterfaceError, OperationalError, connection
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


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Database and broker status for load balancers and docker-compose health checks."""
    database = _database_status()
    broker = _broker_status()
    healthy = database["ok"] and broker["ok"]
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "database": database, "broker": broker},
        status=200 if healthy else 503,
    )


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


def server_error(request):
    """handler500: a database outage hit before any view (session or user lookup) still gets the 503 page."""
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        return database_unavailable(request, exception)
    return defaults.server_error(request)
