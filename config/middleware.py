from django.contrib.auth.middleware import LoginRequiredMiddleware


class LoginRequiredExceptApiMiddleware(LoginRequiredMiddleware):
    """Every page needs a login; the API answers 401/403 itself (token or session, via DRF)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class DatabaseUnavailableMiddleware:
    """The database went away (restart, failover, network): answer 503 with a Vietnamese page, never a 500.

    Django closes the broken connection at the end of the request (conn_health_checks reconnects on the next),
    so a restarted database costs one failed request, not a crash loop. Errors raised before the view (session,
    user lookup) reach config.views.server_error, which gives the same answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError

        if isinstance(exception, OperationalError | InterfaceError):
            from config.views import database_unavailable

            return database_unavailable(request, exception)
        from kombu.exceptions import OperationalError as BrokerError

        if isinstance(exception, BrokerError):  # Redis went down after the upload check, when a job was queued
            from config.views import broker_unavailable

            return broker_unavailable(request, exception)
        return None


class RequestSizeLimitMiddleware:
    """Refuse an oversized body from its Content-Length, before anything reads it: 413 with a Vietnamese message.

    Multipart requests (spreadsheet uploads, streamed to disk) may carry up to IMPORT_MAX_FILE_BYTES plus the
    form fields; every other body up to DATA_UPLOAD_MAX_MEMORY_SIZE (Django's own limit, which answers a bare
    400 once the body is read).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
            limit += settings.IMPORT_MAX_FILE_BYTES
        if limit and length > limit:
            return self._too_large(request, length, limit)
        return self.get_response(request)

    @staticmethod
    def _too_large(request, length: int, limit: int):
        from django.http import HttpResponse, JsonResponse
        from django.template import loader
        from django.utils.translation import gettext as _

        message = _("Dữ liệu gửi lên quá lớn (%(size)s MB; tối đa %(limit)s MB). Hãy chia nhỏ tệp rồi gửi lại.") % {
            "size": f"{length / 1024 / 1024:.1f}".replace(".", ","),
            "limit": limit // (1024 * 1024),
        }
        if request.path_info.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=413)
        else:
            response = HttpResponse(loader.get_template("413.html").render({"message": message}), status=413)
        # No `Connection: close`: a WSGI application may not set hop-by-hop headers (PEP 3333). wsgiref, hence
        # `manage.py runserver`, refuses them with a bare 500, and gunicorn drops them. Each server deals with the
        # unread body itself (runserver drains it, gunicorn discards it or closes the connection).
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every answer to a logged-in user and on every API answer: pages, files
    and JSON carry names, ID numbers and scoped figures, which no browser cache or shared proxy may keep (a shared
    office computer, the back button after logout). A view that already sent `no-store` keeps its own header.
    Static files never get here (whitenoise answers them first, with their long cache lifetime)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", "") and self._personal(request):
            from django.utils.cache import patch_cache_control

            patch_cache_control(response, no_store=True, private=True)
        return response

    @staticmethod
    def _personal(request) -> bool:
        if request.path_info.startswith("/api/"):
            return True
        from django.db import DatabaseError

        try:
            return request.user.is_authenticated
        except DatabaseError:  # the answer is the 503 page; whoever asked, keep nothing
            return True


class RejectNulBytesMiddleware:
    """A NUL byte in the path or the query string is never meaningful here, and PostgreSQL refuses it in text
    (a DataError, i.e. a 500, in whichever view passes it to a query): answer 400 before any view sees it.
    Form and JSON bodies need no such guard: Django's and DRF's CharFields already refuse NUL."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            from django.http import HttpResponseBadRequest, JsonResponse
            from django.template import loader
            from django.utils.translation import gettext as _

            message = _("Địa chỉ hoặc tham số chứa ký tự không hợp lệ (NUL).")
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(loader.get_template("400.html").render({}))
        return self.get_response(request)
