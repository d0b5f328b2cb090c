"""Login throttling (django-axes) for every login that comes in over a request."""

from axes.backends import AxesStandaloneBackend


class AxesRequestBackend(AxesStandaloneBackend):
    """Axes refuses locked-out logins; authenticate() without a request (the test client's login(), the shell,
    management commands) is not a network login, so it passes through to ModelBackend unthrottled."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
