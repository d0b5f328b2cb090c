"""Cached leadership figures: stats API answers and dashboard bodies, keyed on the data they are computed from.

The aggregate tables change only when a recompute commits, and every recompute records an `AggregateRun` in the
same transaction (reports.aggregates). The newest run (its id and finish time; with the newest change to a
publication, since publishing and reopening change what is shown: issue 17) is therefore the version of every
figure read from those tables: one indexed query per request tells whether a cached answer is still true, and a
new run makes every older entry unreachable at once, in every web process (the entries themselves expire).

A key also holds the caller's scope (superuser flag, role, unit: everything `units_visible_to` and the access
matrix look at), so an answer computed for one scope is never served to another, and whatever else the answer
depends on (the request's parameters, the language, the date). What has no version is reference data (unit names,
coordinates, the 2025 successions, changed only by `load_reference_data`): entries live at most
`STATS_CACHE_SECONDS` (5 minutes by default), so such a change shows within that time.

The cache is the `default` one: Redis in production (CACHE_URL), local memory in the embedded mode (each web
process then keeps its own entries; the version query keeps them all exact).
"""

import functools
import hashlib
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse

from provinces.viewer import viewer_of
from reports.models import AggregateRun

PREFIX = "stats:v1"
logger = logging.getLogger(__name__)


def data_version() -> str:
    """The newest aggregate run as "id.finish-time.newest-publication-change" ("0…" before the first run): one
    query on two indexes. Hand-written SQL run on the cursor (the ORM's compilation of the same query cost more
    CPU than the rest of a cache hit, on every request: issue 22)."""
    with connection.cursor() as cursor:
        cursor.execute(_version_sql())
        pk, finished_at, published = cursor.fetchone()
    # Publishing and reopening a year change what is shown without a run (issue 17): part of the version.
    if pk is None:
        return f"0.{_stamp(published)}" if published is not None else "0"
    return f"{pk}.{_stamp(finished_at)}.{_stamp(published)}"


def _stamp(value) -> str:
    """A datetime column as a key part (SQLite's cursor gives text, PostgreSQL's a datetime)."""
    if value is None:
        return ""
    return str(value.timestamp()) if hasattr(value, "timestamp") else str(value)


@functools.cache
def _version_sql() -> str:
    from reports.models_publications import Publication

    quote = connection.ops.quote_name
    run, publication = quote(AggregateRun._meta.db_table), quote(Publication._meta.db_table)
    pk, finished = quote(AggregateRun._meta.pk.column), quote(AggregateRun._meta.get_field("finished_at").column)
    changed = quote(Publication._meta.get_field("changed_at").column)
    newest = f"FROM {run} ORDER BY {pk} DESC LIMIT 1"
    return (f"SELECT (SELECT {pk} {newest}), (SELECT {finished} {newest}), "  # noqa: S608 (names from the models)
            f"(SELECT {changed} FROM {publication} ORDER BY {changed} DESC LIMIT 1)")


def scope_of(viewer) -> str:
    """What the caller may see, as a key part: equal for two callers exactly when their scopes are equal.
    `viewer`: the request's `provinces.viewer.Viewer` (a user is accepted too)."""
    viewer = viewer_of(viewer)
    if not viewer.is_authenticated:
        return "anonymous"
    superuser = "s" if viewer.is_superuser else "u"
    if viewer.profile is None:
        return f"{superuser}:none"
    return f"{superuser}:{viewer.role}:{viewer.unit_id}"


def key_for(kind: str, *parts: Any) -> str:
    """A cache key of printable characters whatever the parts hold (codes typed by users, Vietnamese text)."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()[:40]
    return f"{PREFIX}:{kind}:{digest}"


def cached(key: str, build: Callable[[], Any]) -> Any:
    """The value under `key`, or `build()` stored there for `STATS_CACHE_SECONDS`. A cache that cannot be reached
    (Redis down) only costs speed: the value is built and the page still answers."""
    try:
        value = cache.get(key)
    except Exception as error:  # any backend failure: redis ConnectionError, TimeoutError
        logger.warning("stats cache unavailable, building %s: %s", key, error.__class__.__name__)
        return build()
    if value is None:
        value = build()
        try:
            cache.set(key, value, settings.STATS_CACHE_SECONDS)
        except Exception as error:  # as above
            logger.warning("stats cache unavailable, not storing %s: %s", key, error.__class__.__name__)
    return value


# Stands for the CSRF token in a cached page (letters and digits: escaping leaves it as it is); each answer gets the
# token of its own request in its place.
CSRF_MARK = "csrftokenmark7Q2vX9kL4pW8nR3sT6yB1dF5hJ0mC"


def page(request, key: str, build: Callable[[dict], str]) -> HttpResponse:
    """A whole page (issue 22: its frame costs more to render than the rest of a cache hit), cached under `key`
    (what its body is drawn from) with the user and the address asked for (the frame shows the user's name and
    menu, and links back to the address), for `STATS_CACHE_SECONDS`. `build(extra)` renders the page with `extra`
    added to its context: the CSRF token is rendered as `CSRF_MARK`, and each answer carries the token of its own
    request. A page with messages to show (they are shown once) is rendered and never cached."""
    from django.contrib.messages import get_messages
    from django.middleware.csrf import get_token

    if len(get_messages(request)):
        return HttpResponse(build({}))
    html = cached(key_for("page", key, request.user.pk, request.get_full_path()),
                  lambda: build({"csrf_token": CSRF_MARK}))
    return HttpResponse(html.replace(CSRF_MARK, get_token(request)))


def targets_signature(*, unit, year: int) -> str:
    """Every stored value of the poverty targets of `unit` and of its children for `year` (what the dashboard
    shows), as a key part: any change to any of them (bulk updates of computed fields included), or one more or
    fewer, gives another signature. One query with one join, cheap to plan; not scoped, as a key needs no scope
    (a wider set of rows only changes the key more often). Hand-written SQL, as `data_version`'s."""
    with connection.cursor() as cursor:
        cursor.execute(_targets_sql(), [year, unit.pk, unit.pk])
        rows = cursor.fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:32]


@functools.cache
def _targets_sql() -> str:
    from programmes.models import PovertyTarget
    from provinces.models import AdministrativeUnit

    quote = connection.ops.quote_name
    meta, units = PovertyTarget._meta, AdministrativeUnit._meta
    columns = ", ".join(f"t.{quote(field.column)}" for field in meta.concrete_fields)
    unit_column, year_column = quote(meta.get_field("unit").column), quote(meta.get_field("year").column)
    parent_column = quote(units.get_field("parent").column)
    return (f"SELECT {columns} FROM {quote(meta.db_table)} t "  # noqa: S608 (names from the models)
            f"JOIN {quote(units.db_table)} u ON u.{quote(units.pk.column)} = t.{unit_column} "
            f"WHERE t.{year_column} = %s AND (t.{unit_column} = %s OR u.{parent_column} = %s) "
            f"ORDER BY t.{quote(meta.pk.column)}")
