"""Is the Celery broker reachable? For /healthz and for refusing uploads that could not be queued."""

from django.conf import settings
from django.utils.translation import gettext as _


def broker_status() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "eager"}
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:
        return {"ok": False, "mode": "broker", "error": error.__class__.__name__}
    return {"ok": True, "mode": "broker"}


def broker_down_message() -> str | None:
    """A Vietnamese message when jobs cannot be queued (Redis down), else None."""
    if broker_status()["ok"]:
        return None
    return _("Hàng đợi xử lý đang không hoạt động (máy chủ Redis không phản hồi) nên hệ thống chưa nhận tệp; "
             "dữ liệu chưa được nhập. Xin thử lại sau ít phút hoặc báo quản trị hệ thống.")
