"""Saved analysis views (issue 20): scoped reads and the writes, as the selectors/services of the other apps.

* `saved_views_visible_to`: the user's own views, and views shared by a user whose unit is the viewer's unit or
  a unit above it (a province's shared view reaches its districts' officers, never the other way round);
* `saved_view_parameters`: the parameters a viewer opens, clamped to the viewer's scope: a saved unit outside it
  becomes the viewer's own unit (never more);
* `saved_view_create` / `saved_view_delete`: the owner's writes (another user's view is a 404).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from config.text import nfc
from provinces.selectors import units_visible_to
from provinces.viewer import Viewer
from reports.models_analysis import SavedAnalysis

PARAMETERS = ("unit", "level", "from", "to", "measure", "view", "compare_from", "compare_to")


def saved_views_visible_to(*, viewer: Viewer) -> QuerySet[SavedAnalysis]:
    shared = Q(pk__in=[])
    if viewer.unit is not None:
        unit = viewer.unit
        above = [pk for pk in (unit.pk, unit.parent_id, unit.parent.parent_id if unit.parent_id else None) if pk]
        shared = Q(shared=True, owner__profile__unit_id__in=above)
    return SavedAnalysis.objects.filter(Q(owner=viewer.user) | shared).select_related("owner").order_by("name", "pk")


def saved_view_parameters(*, viewer: Viewer, saved: SavedAnalysis) -> dict[str, str]:
    """The saved parameters as a viewer opens them: the unit clamped to the viewer's scope (one query)."""
    parameters = {name: str(saved.parameters[name]) for name in PARAMETERS if saved.parameters.get(name)}
    code = parameters.get("unit", "")
    if code and not units_visible_to(viewer=viewer).filter(code=code).exists():
        parameters["unit"] = viewer.unit.code if viewer.unit is not None else ""
        parameters.pop("view", None)  # the viewer's unit in its own period
    return parameters


def saved_view_create(*, owner, name: str, parameters: dict, shared: bool) -> SavedAnalysis:
    name = nfc(name or "")
    if not name:
        raise ApplicationError(_("Đặt tên cho cách xem cần lưu."), field="name")
    clean = {key: str(parameters[key])[:20] for key in PARAMETERS if parameters.get(key)}
    with transaction.atomic():
        return SavedAnalysis.objects.create(owner=owner, name=name[:120], parameters=clean, shared=bool(shared))


def saved_view_delete(*, user, pk: int) -> None:
    deleted, _rows = SavedAnalysis.objects.filter(owner=user, pk=pk).delete()
    if not deleted:
        raise Http404
