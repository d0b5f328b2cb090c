"""Publishing a province-year's review results (docs/domain.md §10, rule 12): services and scoped reads.

`publication_create` records the decision (number, date), copies the province-year's aggregate rows (every unit,
every group) into `PublicationFigure` and marks the year published through `households.cycle`, which then refuses
imports, reverts and household changes for it. `publication_reopen` (with a written reason) clears that mark and
sends the units back; the version stays readable, and publishing again makes version 2.

Readers of a published year (the stats API, the dashboard, the summary export) answer from the snapshot, so a
later recompute of the aggregate tables never changes what is official. `official_figures` is their one entry.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Conflict
from households import cycle
from programmes.groups import HouseholdGroup
from provinces.models import AdministrativeUnit, end_of_year
from provinces.viewer import viewer_of
from reports import selectors
from reports.models import PovertyAggregate
from reports.models_publications import Publication, PublicationFigure

SNAPSHOT_FIELDS = [
    "unit_id", "year", "group", "level", "standard", "total_households", "reviewed", "poor", "near_poor", "middle",
    "not_poor", "newly_poor", "re_poor", "escaped", "remained", "mismatches", "communes_total", "communes_reviewed",
    "computed_at",
]


# --- reads -----------------------------------------------------------------------------------------------------------


def province_id_of(unit: AdministrativeUnit) -> int:
    """The province of `unit`: no query for a province or a district, nor for a commune whose parent is loaded
    (select_related("parent")); one otherwise. (Communes from 1 July 2025 sit right under their province.)"""
    if unit.level == AdministrativeUnit.Level.PROVINCE or unit.parent_id is None:
        return unit.pk
    if unit.level == AdministrativeUnit.Level.DISTRICT:
        return unit.parent_id
    parent = unit.parent
    return parent.parent_id or parent.pk


def current_publication(*, province_id: int, year: int) -> Publication | None:
    """The version in force (not reopened) of the province-year, or None (provisional). One query."""
    return Publication.objects.filter(province_id=province_id, year=year, reopened_at__isnull=True).first()


def publication_of(*, unit: AdministrativeUnit, year: int) -> Publication | None:
    return current_publication(province_id=province_id_of(unit), year=year)


def latest_published_year(*, province_id: int, up_to: int | None = None) -> int | None:
    queryset = Publication.objects.filter(province_id=province_id, reopened_at__isnull=True)
    if up_to is not None:
        queryset = queryset.filter(year__lte=up_to)
    return queryset.aggregate(year=Max("year"))["year"]


def publication_summary(publication: Publication | None) -> dict | None:
    """The contract's `publication` object: {"id", "decision_number", "decision_date", "version"} or None."""
    if publication is None:
        return None
    return {"id": publication.pk, "decision_number": publication.decision_number,
            "decision_date": publication.decision_date, "version": publication.version}


def official_figures(*, publication: Publication, unit: AdministrativeUnit, group: str = HouseholdGroup.ALL
                     ) -> selectors.PovertyFigures | None:
    """The frozen figures of `unit` in `publication` (None: the unit had no reviews then). One query."""
    row = PublicationFigure.objects.filter(publication=publication, unit=unit, group=group).first()
    return selectors.figures_of(row, unit=unit) if row is not None else None


def publications_visible_to(*, viewer, code: str | None = None, year: int | None = None):
    """Publications of the provinces in the viewer's scope (or above it: an officer sees their province's decision;
    the figures are aggregates). Newest first."""
    from provinces.selectors import units_visible_to

    scope = units_visible_to(viewer=viewer)
    provinces = AdministrativeUnit.objects.filter(
        Q(pk__in=scope.values("pk")) | Q(pk__in=scope.values("parent_id"))
        | Q(pk__in=scope.values("parent__parent_id")),
        level=AdministrativeUnit.Level.PROVINCE,
    )
    queryset = Publication.objects.filter(province_id__in=provinces.values("pk"))
    if code:
        queryset = queryset.filter(province__code=code)
    if year is not None:
        queryset = queryset.filter(year=year)
    return queryset.select_related("province", "published_by", "reopened_by").order_by("-year", "-version")


def publication_visible(*, viewer, pk: int) -> Publication | None:
    return publications_visible_to(viewer=viewer).filter(pk=pk).first()


@dataclass(frozen=True)
class Label:
    """What a figure area says about its figures: official (with the decision) or provisional."""

    official: bool
    text: str
    publication: Publication | None = None


def figures_label(publication: Publication | None) -> Label:
    if publication is None:
        return Label(False, _("Số liệu tạm tính"))
    return Label(True, _("Số liệu chính thức (QĐ số %(number)s ngày %(date)s)") % {
        "number": publication.decision_number, "date": f"{publication.decision_date:%d/%m/%Y}"}, publication)


# --- writes ----------------------------------------------------------------------------------------------------------


def publication_create(*, province: AdministrativeUnit, year: int, decision_number: str,
                       decision_date: datetime.date, acting_user, refresh: bool = True) -> Publication:
    """Publish `year` in `province`: refused (Conflict) while any submitting unit is not approved or while a version
    is in force. `refresh`: recompute the province-year's aggregates first (the snapshot must hold every import);
    the demo, which has just recomputed everything, skips it."""
    if acting_user is None or not viewer_of(acting_user).may("publications", "publish"):
        raise PermissionDenied
    decision_number = (decision_number or "").strip()
    if not decision_number:
        raise ApplicationError(_("Hãy nhập số quyết định."), field="decision_number")
    if decision_date > timezone.localdate():
        raise ApplicationError(_("Ngày quyết định không được sau hôm nay."), field="decision_date")
    with transaction.atomic():
        AdministrativeUnit.objects.select_for_update().filter(pk=province.pk).values_list("pk").first()
        cycle.province_year_publish_check(province=province, year=year)
        if current_publication(province_id=province.pk, year=year) is not None:
            raise Conflict(_("Năm %(year)s đã được công bố; hãy mở lại trước.") % {"year": year})
        if refresh:
            from reports.aggregates import poverty_recompute

            poverty_recompute(unit=province, year=year, reason=_("công bố số liệu"))
        version = (Publication.objects.filter(province=province, year=year).aggregate(v=Max("version"))["v"] or 0) + 1
        publication = Publication.objects.create(
            province=province, year=year, version=version, decision_number=decision_number,
            decision_date=decision_date, published_by=acting_user,
        )
        on = end_of_year(year)
        rows = PovertyAggregate.objects.filter(
            Q(unit_id=province.pk) | Q(unit__parent_id=province.pk) | Q(unit__parent__parent_id=province.pk),
            year=year, unit__valid_from__lte=on,
        ).filter(Q(unit__valid_to__isnull=True) | Q(unit__valid_to__gte=on)).values(*SNAPSHOT_FIELDS)
        PublicationFigure.objects.bulk_create(
            [PublicationFigure(publication=publication, **row) for row in rows], batch_size=1000
        )
        note = _("QĐ số %(number)s ngày %(date)s") % {"number": decision_number, "date": f"{decision_date:%d/%m/%Y}"}
        cycle.province_year_published_set(province=province, year=year, acting_user=acting_user, note=note)
    return publication


def publication_reopen(*, publication: Publication, reason: str, acting_user) -> Publication:
    """Reopen a published year with a written reason (recorded in the cycle's history): the version stays readable
    and is no longer the official one; the province's units go back to `returned` so they can import again."""
    if acting_user is None or not viewer_of(acting_user).may("publications", "reopen"):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Hãy ghi rõ lý do mở lại."), field="reason")
    with transaction.atomic():
        AdministrativeUnit.objects.select_for_update().filter(pk=publication.province_id).values_list("pk").first()
        publication = Publication.objects.select_for_update().get(pk=publication.pk)
        if publication.reopened_at is not None:
            raise Conflict(_("Lần công bố này đã được mở lại lúc %(when)s.") % {
                "when": timezone.localtime(publication.reopened_at).strftime("%d/%m/%Y %H:%M")})
        publication.reopened_at, publication.reopened_by, publication.reopen_reason = (
            timezone.now(), acting_user, reason)
        publication.save(update_fields=["reopened_at", "reopened_by", "reopen_reason", "changed_at"])
        cycle.province_year_reopen(province=publication.province, year=publication.year, acting_user=acting_user,
                                   reason=reason)
    return publication


# --- the dashboard ---------------------------------------------------------------------------------------------------


def official_rows(*, rows: list[dict], unit: AdministrativeUnit, child_ids, fields) -> tuple[list[dict], dict]:
    """The dashboard's aggregate rows (`values(*fields)` dicts of `unit` and its children) with every published
    year's rows replaced by that year's snapshot. Returns (rows, {year: Publication}). One query, two when a year
    shown is published."""
    province_id = province_id_of(unit)
    years = {row["year"] for row in rows}
    official = {item.year: item for item in Publication.objects.filter(
        province_id=province_id, reopened_at__isnull=True, year__in=years)} if years else {}
    if not official:
        return rows, {}
    kept = [row for row in rows if row["year"] not in official]
    frozen = list(PublicationFigure.objects.filter(
        publication__in=list(official.values()), unit_id__in=[unit.pk, *child_ids],
    ).values(*fields))
    children = set(child_ids)
    # Children's rows are only wanted for the year shown and the one before (as _poverty_rows reads them).
    wanted_child_years = {row["year"] for row in rows if row["unit_id"] in children} | set(official)
    frozen = [row for row in frozen if row["unit_id"] == unit.pk
              or (row["unit_id"] in children and row["group"] == HouseholdGroup.ALL
                  and row["year"] in wanted_child_years)]
    return kept + frozen, official


def later_provisional(*, unit: AdministrativeUnit, year: int, own_years, official: dict) -> dict | None:
    """A later year with figures that is not published: {"year", "completeness", "level"} for the dashboard's link
    to it (never its default), or None. A few queries, only when there is such a year."""
    later = sorted(y for y in own_years if y > year and y not in official)
    if not later:
        return None
    latest = later[-1]
    province = cycle.province_of(AdministrativeUnit.objects.select_related("parent", "parent__parent").get(pk=unit.pk))
    states = cycle.children_states(unit=province, year=latest)
    return {"year": latest, "completeness": cycle.completeness_of(states), "level": cycle.submitting_level(latest)}
