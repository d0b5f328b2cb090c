"""The annual review cycle (docs/domain.md §10, rule 12): services and scoped reads of the per-unit-year state.

For each review year the *submitting units* (districts for review years whose units are the legacy ones, before
1 July 2025; communes, straight to the province, from then on) go:

    open ──submit──► submitted ──approve──► approved
      ▲                 │  └───return (comment)──► returned ──submit──► submitted …
      └─────────────────┘                 (approved ──return──► returned, until the year is published)

and the province publishes the year (reports.publications) once every submitting unit is approved; reopening it
(with a reason) sends every unit back (`returned`, the reason as the comment) so it can import again.

A submitted, approved or published unit-year accepts no import, revert or household change: `lock_check` raises
`config.api.Conflict` (409 in the API) naming who submitted it and when. Every transition goes through a service
here with the acting user, is checked against config/access.py (`review_status` submit/approve/return,
`publications` publish/reopen) and the user's scope, and is recorded in `ReviewTransition`.

A missing `UnitReviewState` row is `open`: nothing is written for a year until someone acts on it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Conflict
from households.models_cycle import ReviewState, ReviewTransition, UnitReviewState
from provinces.models import REORGANISATION_DATE, AdministrativeUnit, end_of_year
from provinces.selectors import units_in_force, units_visible_to
from provinces.viewer import viewer_of

LOCKED = (ReviewState.SUBMITTED, ReviewState.APPROVED)
Level = AdministrativeUnit.Level


# --- which units submit --------------------------------------------------------------------------------------------


def submitting_level(year: int) -> str:
    """Districts submit for review years whose units are the legacy ones; communes from 1 July 2025 (§8.3)."""
    return Level.COMMUNE if end_of_year(year) >= REORGANISATION_DATE else Level.DISTRICT


def _with_parents(unit: AdministrativeUnit) -> AdministrativeUnit:
    return AdministrativeUnit.objects.select_related("parent", "parent__parent").get(pk=unit.pk)


def province_of(unit: AdministrativeUnit) -> AdministrativeUnit:
    current = unit
    while current.level != Level.PROVINCE and current.parent_id is not None:
        current = current.parent
    return current


def submitting_unit_of(unit: AdministrativeUnit, year: int) -> AdministrativeUnit | None:
    """The submitting unit that `unit`'s figures of `year` belong to: itself, its district (a legacy commune), or
    None for a unit above the submitting level (a province)."""
    level = submitting_level(year)
    if unit.level == level:
        return unit
    if level == Level.DISTRICT and unit.level == Level.COMMUNE and unit.parent_id is not None:
        return unit.parent
    return None


def submitting_units(*, province: AdministrativeUnit, year: int) -> list[AdministrativeUnit]:
    """The units that submit `year` within `province` (in force at the end of the year), by code. One query."""
    return list(
        units_in_force(on=end_of_year(year))
        .filter(Q(parent_id=province.pk) | Q(parent__parent_id=province.pk), level=submitting_level(year))
        .order_by("code")
    )


def submitting_units_below(*, unit: AdministrativeUnit, year: int) -> list[AdministrativeUnit]:
    """The submitting units strictly below `unit` (a province's districts or communes; none below a district or
    a commune): one query for a province."""
    return submitting_units(province=unit, year=year) if unit.level == Level.PROVINCE else []


# --- reads ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitYear:
    """The state of one unit-year as shown: `state` is `published` when the province-year is."""

    unit: AdministrativeUnit
    year: int
    state: str
    submitted_by: str | None = None
    submitted_at: datetime.datetime | None = None
    decided_by: str | None = None
    decided_at: datetime.datetime | None = None
    comment: str = ""
    is_submitting_unit: bool = True

    @property
    def state_label(self) -> str:
        return str(ReviewState(self.state).label)

    @property
    def is_locked(self) -> bool:
        return self.state in (*LOCKED, ReviewState.PUBLISHED)



def _name(user) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def _rows(unit_ids: Iterable[int], year: int) -> dict[int, UnitReviewState]:
    return {
        row.unit_id: row
        for row in UnitReviewState.objects.filter(unit_id__in=list(unit_ids), year=year).select_related(
            "submitted_by", "decided_by"
        )
    }


def _unit_year(unit: AdministrativeUnit, year: int, row: UnitReviewState | None, *, published: bool,
               submitting: bool = True) -> UnitYear:
    if row is None:
        state = ReviewState.PUBLISHED if published else ReviewState.OPEN
        return UnitYear(unit=unit, year=year, state=state, is_submitting_unit=submitting)
    return UnitYear(
        unit=unit, year=year, state=ReviewState.PUBLISHED if published else row.state,
        submitted_by=_name(row.submitted_by), submitted_at=row.submitted_at, decided_by=_name(row.decided_by),
        decided_at=row.decided_at, comment=row.comment, is_submitting_unit=submitting,
    )


def province_year_published(*, province_id: int, year: int) -> UnitReviewState | None:
    """The province's row when `year` is published there, else None. One query."""
    return (
        UnitReviewState.objects.filter(unit_id=province_id, year=year, state=ReviewState.PUBLISHED)
        .select_related("decided_by").first()
    )


def unit_year_state(*, unit: AdministrativeUnit, year: int) -> UnitYear:
    """The state of `unit` for `year`: a submitting unit's own, a legacy commune's district's, a province's
    (published, or summed up from its units: approved when all are, submitted when all have submitted)."""
    unit = _with_parents(unit)
    province = province_of(unit)
    published_row = province_year_published(province_id=province.pk, year=year)
    published = published_row is not None
    submitting = submitting_unit_of(unit, year)
    if submitting is not None:
        row = _rows([submitting.pk], year).get(submitting.pk)
        return _unit_year(unit, year, row, published=published, submitting=submitting.pk == unit.pk)
    if published:
        return UnitYear(unit=unit, year=year, state=ReviewState.PUBLISHED, decided_by=_name(published_row.decided_by),
                        decided_at=published_row.decided_at, comment=published_row.comment, is_submitting_unit=False)
    children = children_states(unit=unit, year=year)
    states = {child.state for child in children}
    if children and states == {ReviewState.APPROVED}:
        state = ReviewState.APPROVED
    elif children and states <= set(LOCKED):
        state = ReviewState.SUBMITTED
    else:
        state = ReviewState.OPEN
    return UnitYear(unit=unit, year=year, state=state, is_submitting_unit=False)


def children_states(*, unit: AdministrativeUnit, year: int) -> list[UnitYear]:
    """The states of the submitting units below `unit` (by code). Three queries whatever their number."""
    units = submitting_units_below(unit=unit, year=year)
    if not units:
        return []
    province = province_of(unit) if unit.level != Level.PROVINCE else unit
    published = province_year_published(province_id=province.pk, year=year) is not None
    rows = _rows([child.pk for child in units], year)
    return [_unit_year(child, year, rows.get(child.pk), published=published) for child in units]


@dataclass(frozen=True)
class Completeness:
    submitted: int  # units that have submitted (submitted, approved or published)
    approved: int  # approved (or published)
    total: int

    @property
    def label(self) -> str:
        return f"{self.submitted}/{self.total}"


def completeness_of(states: list[UnitYear]) -> Completeness:
    return Completeness(
        submitted=sum(1 for item in states if item.is_locked),
        approved=sum(1 for item in states if item.state in (ReviewState.APPROVED, ReviewState.PUBLISHED)),
        total=len(states),
    )


LATE_FIRST = {ReviewState.RETURNED: 0, ReviewState.OPEN: 1, ReviewState.SUBMITTED: 2, ReviewState.APPROVED: 3,
              ReviewState.PUBLISHED: 4}


def late_first(states: list[UnitYear]) -> list[UnitYear]:
    """Returned and open units first (what still has to come), then those waiting for the province, by code."""
    return sorted(states, key=lambda item: (LATE_FIRST[item.state], item.unit.code))


def unit_for_review(*, viewer, code: str, year: int) -> AdministrativeUnit | None:
    """The unit `code` means at the end of `year`, if it lies in the viewer's scope (None: missing or out of scope,
    which look the same). One query."""
    return (
        (units_visible_to(viewer=viewer) & units_in_force(on=end_of_year(year)))
        .filter(code=code).select_related("parent", "parent__parent").first()
    )


def transitions_of(*, unit: AdministrativeUnit, year: int, limit: int = 50) -> list[ReviewTransition]:
    """The transitions of `unit` (and, for a province, of its units) for `year`, newest first. One query."""
    ids = [unit.pk]
    if unit.level == Level.PROVINCE:
        ids += [child.pk for child in submitting_units(province=unit, year=year)]
    return list(ReviewTransition.objects.filter(unit_id__in=ids, year=year).select_related("unit")[:limit])


# --- refusals ---------------------------------------------------------------------------------------------------------


def _when(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else "—"


def locked_message(*, unit: AdministrativeUnit, year: int, row: UnitReviewState) -> str:
    """Why `unit`'s year accepts no change, naming who submitted (or published) it and when."""
    if row.state == ReviewState.PUBLISHED:
        return _(
            "Số liệu rà soát năm %(year)s của %(unit)s đã được công bố (%(decision)s; %(who)s, lúc %(when)s): không "
            "nhập, hoàn tác hay sửa hộ được cho đến khi Sở mở lại kỳ rà soát."
        ) % {"year": year, "unit": unit.name, "decision": row.comment or "—", "who": _name(row.decided_by) or "—",
             "when": _when(row.decided_at)}
    if row.state == ReviewState.APPROVED:
        return _(
            "Số liệu rà soát năm %(year)s của %(unit)s đã được %(who)s chốt lúc %(when)s và Sở đã duyệt: không nhập, "
            "hoàn tác hay sửa hộ được cho đến khi Sở trả lại."
        ) % {"year": year, "unit": unit.name, "who": _name(row.submitted_by) or "—", "when": _when(row.submitted_at)}
    return _(
        "Số liệu rà soát năm %(year)s của %(unit)s đã được %(who)s chốt lúc %(when)s, đang chờ Sở duyệt: không nhập, "
        "hoàn tác hay sửa hộ được cho đến khi Sở trả lại."
    ) % {"year": year, "unit": unit.name, "who": _name(row.submitted_by) or "—", "when": _when(row.submitted_at)}


def lock_check(*, unit_id: int | None, year: int, commune_ids: Iterable[int] = (), lock: bool = False) -> None:
    """Raise Conflict when the year of `unit_id` (an uploader's unit), or of any of `commune_ids` (the communes a
    file touches), is submitted, approved or published. `lock`: take the submitting units' rows FOR UPDATE first
    (inside a commit transaction), so that a submit waits for the import and the reverse."""
    unit_ids = set(commune_ids)
    if unit_id is not None:
        unit_ids.add(unit_id)
    if not unit_ids:
        return
    units = list(AdministrativeUnit.objects.filter(pk__in=unit_ids).select_related("parent", "parent__parent"))
    submitting: dict[int, AdministrativeUnit] = {}
    provinces: dict[int, AdministrativeUnit] = {}
    for unit in units:
        province = province_of(unit)
        provinces[province.pk] = province
        owner = submitting_unit_of(unit, year)
        if owner is not None:
            submitting[owner.pk] = owner
    if lock and submitting:
        list(AdministrativeUnit.objects.select_for_update().filter(pk__in=submitting).order_by("pk").values_list("pk"))
    rows = UnitReviewState.objects.filter(
        Q(unit_id__in=submitting, state__in=LOCKED) | Q(unit_id__in=provinces, state=ReviewState.PUBLISHED),
        year=year,
    ).select_related("submitted_by", "decided_by").order_by("unit__code")
    for row in rows:
        if row.state == ReviewState.PUBLISHED:
            raise Conflict(locked_message(unit=provinces[row.unit_id], year=year, row=row))
    for row in rows:
        raise Conflict(locked_message(unit=submitting[row.unit_id], year=year, row=row))


def household_lock_check(*, commune_id: int, year: int | None) -> None:
    """A household change in `commune_id`: refused while the year of its newest periodic review is locked."""
    if year is not None:
        lock_check(unit_id=commune_id, year=year)


# --- transitions ------------------------------------------------------------------------------------------------------


def _check(user, action: str, resource: str = "review_status") -> None:
    if user is None or not viewer_of(user).may(resource, action):
        raise PermissionDenied


def _record(*, unit, year: int, action: str, from_state: str, to_state: str, user, comment: str = "") -> None:
    ReviewTransition.objects.create(
        unit=unit, year=year, action=action, from_state=from_state, to_state=to_state, by=user,
        username=user.get_username() if user is not None else "", comment=comment,
    )


def _locked_row(unit: AdministrativeUnit, year: int) -> UnitReviewState:
    AdministrativeUnit.objects.select_for_update().filter(pk=unit.pk).values_list("pk").first()
    row, _created = UnitReviewState.objects.select_for_update().get_or_create(unit=unit, year=year)
    return row


def _submitting_unit(*, user, unit: AdministrativeUnit, year: int) -> AdministrativeUnit:
    """`unit` must be in the user's scope and a submitting unit for `year`."""
    if not units_visible_to(viewer=viewer_of(user)).filter(pk=unit.pk).exists():
        raise PermissionDenied
    if unit.level != submitting_level(year):
        if submitting_level(year) == Level.DISTRICT:
            message = _("Năm rà soát %(year)s: cấp huyện chốt số liệu của các xã (trước 1/7/2025).")
        else:
            message = _("Năm rà soát %(year)s: từng xã/phường chốt số liệu, gửi thẳng lên tỉnh (từ 1/7/2025).")
        raise ApplicationError(message % {"year": year}, field="unit")
    return unit


def _refuse_if_published(unit: AdministrativeUnit, year: int) -> None:
    province = province_of(_with_parents(unit))
    row = province_year_published(province_id=province.pk, year=year)
    if row is not None:
        raise Conflict(locked_message(unit=province, year=year, row=row))


@contextmanager
def _unit_year_locked(*, unit: AdministrativeUnit, year: int, acting_user):
    """The unit-year's state row, locked in a transaction, for a submitting unit in the user's scope whose
    province-year is not published."""
    _submitting_unit(user=acting_user, unit=unit, year=year)
    with transaction.atomic():
        row = _locked_row(unit, year)
        _refuse_if_published(unit, year)
        yield row


def _transition(row: UnitReviewState, *, unit: AdministrativeUnit, year: int, action: str, user, **fields) -> None:
    """Set `fields` (the new `state` among them) on the locked row, save it and record the transition (with the
    row's new `comment`, if one is set)."""
    before = row.state
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    _record(unit=unit, year=year, action=action, from_state=before, to_state=row.state, user=user,
            comment=fields.get("comment", ""))


def unit_review_submit(*, unit: AdministrativeUnit, year: int, acting_user) -> UnitReviewState:
    """The unit's officer (or provincial staff) "chốt" the year's review: open/returned → submitted."""
    _check(acting_user, "submit")
    with _unit_year_locked(unit=unit, year=year, acting_user=acting_user) as row:
        if row.state in LOCKED:
            raise Conflict(locked_message(unit=unit, year=year, row=row))
        _transition(row, unit=unit, year=year, action=ReviewTransition.Action.SUBMIT, user=acting_user,
                    state=ReviewState.SUBMITTED, submitted_by=acting_user, submitted_at=timezone.now())
    return row


def unit_review_approve(*, unit: AdministrativeUnit, year: int, acting_user) -> UnitReviewState:
    """Provincial staff approve a submitted unit-year: submitted → approved."""
    _check(acting_user, "approve")
    with _unit_year_locked(unit=unit, year=year, acting_user=acting_user) as row:
        if row.state != ReviewState.SUBMITTED:
            raise Conflict(_not_submitted(unit, year, row))
        _transition(row, unit=unit, year=year, action=ReviewTransition.Action.APPROVE, user=acting_user,
                    state=ReviewState.APPROVED, decided_by=acting_user, decided_at=timezone.now(), comment="")
    return row


def unit_review_return(*, unit: AdministrativeUnit, year: int, comment: str, acting_user) -> UnitReviewState:
    """Provincial staff return a submitted (or approved, not yet published) unit-year with a written comment."""
    _check(acting_user, "return")
    comment = (comment or "").strip()
    if not comment:
        raise ApplicationError(_("Hãy ghi rõ lý do trả lại."), field="comment")
    with _unit_year_locked(unit=unit, year=year, acting_user=acting_user) as row:
        if row.state not in LOCKED:
            raise Conflict(_not_submitted(unit, year, row))
        _transition(row, unit=unit, year=year, action=ReviewTransition.Action.RETURN, user=acting_user,
                    state=ReviewState.RETURNED, decided_by=acting_user, decided_at=timezone.now(), comment=comment)
    return row


def _not_submitted(unit, year, row) -> str:
    return _("%(unit)s chưa chốt số liệu rà soát năm %(year)s (trạng thái: %(state)s).") % {
        "unit": unit.name, "year": year, "state": ReviewState(row.state).label,
    }


def province_year_publish_check(*, province: AdministrativeUnit, year: int) -> None:
    """Conflict unless every submitting unit of the province is approved (naming those that are not), or when the
    year is published already."""
    row = province_year_published(province_id=province.pk, year=year)
    if row is not None:
        raise Conflict(_("Năm %(year)s của %(unit)s đã được công bố (%(decision)s); hãy mở lại trước khi công bố "
                         "lần mới.") % {"year": year, "unit": province.name, "decision": row.comment})
    states = children_states(unit=province, year=year)
    waiting = [item for item in states if item.state != ReviewState.APPROVED]
    if not states:
        raise Conflict(_("%(unit)s không có đơn vị nào chốt số liệu năm %(year)s.") % {
            "unit": province.name, "year": year})
    if waiting:
        names = ", ".join(f"{item.unit.name} ({item.state_label.lower()})" for item in late_first(waiting)[:20])
        more = len(waiting) - 20
        if more > 0:
            names += _(" và %(count)s đơn vị khác") % {"count": more}
        raise Conflict(_("Chưa công bố được năm %(year)s: %(count)s/%(total)s đơn vị chưa được Sở duyệt: %(names)s.")
                       % {"year": year, "count": len(waiting), "total": len(states), "names": names})


def province_year_published_set(*, province: AdministrativeUnit, year: int, acting_user, note: str) -> None:
    """Mark the province-year published (called by reports.publications inside its transaction, after the checks
    of `province_year_publish_check`). `note` names the decision."""
    _check(acting_user, "publish", "publications")
    _transition(_locked_row(province, year), unit=province, year=year, action=ReviewTransition.Action.PUBLISH,
                user=acting_user, state=ReviewState.PUBLISHED, decided_by=acting_user, decided_at=timezone.now(),
                comment=note)


def province_year_reopen(*, province: AdministrativeUnit, year: int, acting_user, reason: str) -> int:
    """Clear the province-year's published flag and send every approved unit back (`returned`, the reason as the
    comment) so that it can import again and submit anew. Returns how many units were sent back. Called by
    reports.publications inside its transaction."""
    _check(acting_user, "reopen", "publications")
    row = _locked_row(province, year)
    if row.state != ReviewState.PUBLISHED:
        raise Conflict(_("Năm %(year)s của %(unit)s chưa được công bố.") % {"year": year, "unit": province.name})
    _transition(row, unit=province, year=year, action=ReviewTransition.Action.REOPEN, user=acting_user,
                state=ReviewState.OPEN, decided_by=acting_user, decided_at=timezone.now(), comment=reason)
    units = {unit.pk: unit for unit in submitting_units(province=province, year=year)}
    now = timezone.now()
    sent_back = list(UnitReviewState.objects.filter(unit_id__in=units, year=year, state__in=LOCKED))
    comment = _("Sở mở lại kỳ rà soát đã công bố: %(reason)s") % {"reason": reason}
    befores = {unit_row.pk: unit_row.state for unit_row in sent_back}
    for unit_row in sent_back:
        unit_row.state, unit_row.decided_by, unit_row.decided_at, unit_row.comment = (
            ReviewState.RETURNED, acting_user, now, comment)
    UnitReviewState.objects.bulk_update(sent_back, ["state", "decided_by", "decided_at", "comment"])
    ReviewTransition.objects.bulk_create([
        ReviewTransition(unit_id=unit_row.unit_id, year=year, action=ReviewTransition.Action.REOPEN,
                         from_state=befores[unit_row.pk], to_state=ReviewState.RETURNED, by=acting_user,
                         username=acting_user.get_username() if acting_user else "", comment=reason)
        for unit_row in sent_back
    ])
    return len(sent_back)
