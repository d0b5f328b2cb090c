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
        return None
