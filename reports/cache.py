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

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, Subquery

from provinces.selectors import profile_of
from reports.models import AggregateRun

PREFIX = "stats:v1"
logger = logging.getLogger(__name__)


def data_version() -> str:
    """The newest aggregate run as "id.finish-time" ("0" before the first): one query on the primary key."""
    from reports.models_publications import Publication

    # Publishing and reopening a year change what is shown without a run: the newest publication change is part
    # of the version, read in the same query.
    changed = Publication.objects.order_by("-changed_at").values("changed_at")[:1]
    newest = (AggregateRun.objects.order_by("-pk").annotate(published=Subquery(changed))
              .values_list("pk", "finished_at", "published").first())
    if newest is None:
        stamp = Publication.objects.order_by("-changed_at").values_list("changed_at", flat=True).first()
        return f"0.{stamp.timestamp()}" if stamp else "0"
    pk, finished_at, published = newest
    return f"{pk}.{finished_at.timestamp() if finished_at else ''}.{published.timestamp() if published else ''}"


def scope_of(user) -> str:
    """What the caller may see, as a key part: equal for two users exactly when their scopes are equal."""
    if not user or not user.is_authenticated:
        return "anonymous"
    profile = profile_of(user)
    superuser = "s" if user.is_superuser else "u"
    if profile is None:
        return f"{superuser}:none"
    return f"{superuser}:{profile.role}:{profile.unit_id}"


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


def targets_signature(*, unit, year: int) -> str:
    """Every stored value of the poverty targets of `unit` and of its children for `year` (what the dashboard
    shows), as a key part: any change to any of them (bulk updates of computed fields included), or one more or
    fewer, gives another signature. One query with one join, cheap to plan; not scoped, as a key needs no scope
    (a wider set of rows only changes the key more often)."""
    from programmes.models import PovertyTarget

    fields = [field.attname for field in PovertyTarget._meta.concrete_fields]
    rows = (
        PovertyTarget.objects.filter(Q(unit_id=unit.pk) | Q(unit__parent_id=unit.pk), year=year)
        .order_by("pk").values_list(*fields)
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()[:32]
