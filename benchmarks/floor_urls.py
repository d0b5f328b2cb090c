"""The floor of benchmarks/recompute_stats.py: the project's own URLs plus one endpoint served by the same stack
(gunicorn, the middleware, DRF's authentication and permission) that does no work: a fixed JSON body of the size
asked for. Enabled only by benchmarks/recompute_stats_settings.py (BENCHMARK_FLOOR, ROOT_URLCONF): never in
production, which neither has this module on its path nor uses those settings.

    GET /api/v1/bench-floor/?bytes=N   (token, as the stats API)   GET /bench-floor/?bytes=N   (session, as /)
"""

from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse
from django.urls import include, path
from rest_framework.views import APIView

assert settings.BENCHMARK_FLOOR, "benchmarks/floor_urls.py is for the benchmark settings only"


@lru_cache(maxsize=64)
def _body(size: int) -> bytes:
    """A JSON object of exactly `size` bytes (at least 16)."""
    size = max(size, 16)
    return b'{"floor":"' + b"x" * (size - 12) + b'"}'


class Floor(APIView):
    """Authenticated like every API view (session or token, IsAuthenticated); answers the fixed body."""

    def get(self, request):
        try:
            size = min(int(request.GET.get("bytes", "1024")), 10_000_000)
        except ValueError:
            size = 1024
        return HttpResponse(_body(size), content_type="application/json")


urlpatterns = [
    path("api/v1/bench-floor/", Floor.as_view()),
    path("bench-floor/", Floor.as_view()),
    path("", include(settings.BENCHMARK_PROJECT_URLCONF)),
]
