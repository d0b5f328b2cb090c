"""The access matrix (config/access.py), tried cell by cell through the pages and the API.

The world: Bắc Kạn (Na Rì, Ba Bể) and Lạng Sơn (Bình Gia). Each of the three districts holds one of everything: a
household with a review, an import batch (with its workbook), a poverty-rate target, a budget line with a
disbursement, a personal-data log row. Users: a district officer of Na Rì, and provincial staff, leadership and an
administrator of Bắc Kạn. For every role and every route (generated from ROUTES, one route per resource × action ×
channel) the test visits the three districts' objects:

* outside the user's scope (Ba Bể and Bình Gia for the officer, Bình Gia for the others): the answer is exactly the
  answer for an id that does not exist (404, or 405 where the route has no such method for any id), and nothing
  changes;
* inside the scope: the matrix cell decides. ALLOW/MASKED: the page or API answers and (for writes) the change is
  made; MASKED: no real name or ID number in the answer; DENY: 403/404/405 and nothing changes;
* lists: an object appears exactly when it is in scope and the cell allows listing.

`test_every_matrix_cell_has_a_route_or_a_reason` checks that every cell of the matrix is tried through at least one
route or is listed in NO_ROUTE with the reason. CELLS_TRIED counts the (role, route, district) checks.
"""

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from budgets.models import Allocation, BudgetImport, Disbursement
from config.access import MATRIX, ROLES, Access, allowed
from households.models import Household, HouseholdReview, ImportBatch, PersonalDataAccess, UnitReviewState
from programmes.models import PovertyTarget
from programmes.services import poverty_target_set, programme_structure_load
from provinces.models import AdministrativeUnit, Role
from reports.aggregates import disbursement_recompute
from reports.models import ExportJob
from reports.models_publications import Publication
from tests.budgets.conftest import allocate, disburse
from tests.factories import TEST_PASSWORD, ProfileFactory
from tests.households.conftest import registry, standards  # noqa: F401  (fixtures)

LOCATIONS = ("own", "sibling", "other")  # Na Rì; Ba Bể (same province); Bình Gia (another province)
DISTRICT_OF = {"own": "na_ri", "sibling": "ba_be", "other": "binh_gia_district"}
HOUSEHOLD_OF = {"own": "an", "sibling": "cuong", "other": "dung"}
USERNAMES = {
    "district_officer": "canbo_nari", "provincial_staff": "so_bk", "leadership": "lanhdao_bk", "admin": "quantri_bk",
}
MISSING = 999_999
PUBLICATION = 4242  # Bắc Kạn's published 2020 (the reopen route)


def in_scope(role: str, location: str) -> bool:
    return location == "own" or (location == "sibling" and role != "district_officer")


# --- the world -----------------------------------------------------------------------------------------------------


@dataclass
class Place:
    district: AdministrativeUnit
    household: Household
    target: PovertyTarget
    line: Allocation
    disbursement: Disbursement
    batch: ImportBatch
    budget_import: BudgetImport | None = None  # a budget spreadsheet job of the district


def _workbook() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["Mã hộ", "Họ và tên chủ hộ"])
    book.active.append(["X-1", "Người Trong Tệp"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def world(settings, tmp_path, units, people, registry):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    programme_structure_load()
    ProfileFactory(user__username="quantri_bk", role=Role.ADMIN, unit=units["province"])
    places = {}
    for location, key in DISTRICT_OF.items():
        district = units[key]
        target = poverty_target_set(unit=district, year=2024, group="all", entered_as="points", value="1",
                                    acting_user=None)
        entry = allocate(district, 500_000_000, year=2023)
        line = entry.allocation
        payment = disburse(line, 10_000_000, datetime.date(2023, 6, 1), document=f"CT-{district.code}")
        batch = ImportBatch(
            unit=district, year=2024, original_name=f"ra-soat-{district.code}.xlsx", sha256=f"{district.code:0>64}",
            status=ImportBatch.Status.COMMITTED, uploaded_by=people["staff"],
            errors=[{"row": 2, "column": "Họ và tên chủ hộ", "value": "Người Trong Tệp", "message": "…"}],
        )
        batch.file.save(f"{district.code}.xlsx", ContentFile(_workbook()), save=False)
        batch.save()
        household = registry[HOUSEHOLD_OF[location]]
        PersonalDataAccess.objects.create(
            action="household_view", username="someone", role="district_officer", unit=household.commune,
            household=household, description=f"LOG-{district.code}",
        )
        line.refresh_from_db()
        places[location] = Place(district=district, household=household, target=target, line=line,
                                 disbursement=payment, batch=batch)
        places[location].budget_import = BudgetImport.objects.create(
            kind="allocations", unit=district, original_name=f"kh-{district.code}.xlsx", status="rejected",
            uploaded_by=people["staff"],
        )
        # The review cycle (the imports above are of 2024, left open): 2023 open (to submit), 2022 submitted (to
        # approve or return), 2021 approved (Bắc Kạn publishes it), 2020 published in Bắc Kạn (to reopen).
        UnitReviewState.objects.create(unit=district, year=2022, state="submitted", submitted_by=people["officer"])
        for year in (2020, 2021):
            UnitReviewState.objects.create(unit=district, year=year, state="approved")
    UnitReviewState.objects.create(unit=units["province"], year=2020, state="published", comment="QĐ số 1/QĐ-UBND")
    Publication.objects.create(pk=PUBLICATION, province=units["province"], year=2020, version=1,
                               decision_number="1/QĐ-UBND", decision_date=datetime.date(2020, 12, 20))
    disbursement_recompute(year=2023)  # the disbursement export reads the aggregates (on_commit never fires here)
    return places


# --- routes --------------------------------------------------------------------------------------------------------


def _snapshot(place: Place) -> tuple:
    """Everything a write could change, for the "nothing happened" checks."""
    target = PovertyTarget.objects.filter(pk=place.target.pk).values_list("version", flat=True).first()
    line = Allocation.objects.filter(pk=place.line.pk).values_list("amount_vnd", "disbursed_vnd", "version").first()
    district = AdministrativeUnit.objects.filter(pk=place.district.pk).values_list("is_poor_district", flat=True)
    return (
        target, line, district.first(),
        ImportBatch.objects.filter(pk=place.batch.pk).values_list("status", flat=True).first(),
        Household.objects.filter(pk=place.household.pk).values_list("head_name", "id_number").first(),
        HouseholdReview.objects.filter(household=place.household).count(),
        Disbursement.objects.filter(allocation=place.line).count(),
        ImportBatch.objects.count(),
        ExportJob.objects.count(),
        # the review cycle (issue 17): the district's 2023 and 2022 states, and the publications
        UnitReviewState.objects.filter(unit=place.district, year=2023).values_list("state", flat=True).first(),
        UnitReviewState.objects.filter(unit=place.district, year=2022).values_list("state", flat=True).first(),
        Publication.objects.filter(reopened_at__isnull=True).count(),
        BudgetImport.objects.count(),
    )


@dataclass(frozen=True)
class Route:
    resource: str
    action: str
    channel: str  # "page" | "api"
    method: str
    url: Callable[[Place | None], str]  # None: the URL of an id that does not exist
    kind: str = "object"  # "object": one object per district; "list": markers; "role": no object (uploads)
    data: Callable[[Place], dict] = field(default=lambda place: {})
    marker: Callable[[Place], str] = field(default=lambda place: "")
    changed: Callable[[Place, tuple, tuple], bool] | None = None  # writes: did the allowed change happen?
    ok: tuple[int, ...] = (200,)

    @property
    def name(self) -> str:
        path = self.url(None).split("?")[0].replace(str(MISSING), "ID")
        return f"{self.resource}.{self.action}.{self.channel}.{self.method}:{path}"


def _pk(getter):
    return lambda place: MISSING if place is None else getter(place)


def _target_form(place):
    return {"entered_as": "points", "value": "2", "note": "sửa", "version": place.target.version if place else 1}


def _line_form(place):
    return {"amount": "5", "legal_basis_number": "99/QĐ", "legal_basis_date": "01/07/2023", "note": "",
            "version": place.line.version if place else 1}


def _disburse_form(place):
    return {"amount": "1", "disbursed_on": "02/07/2023", "document": "CT-NEW", "note": "",
            "version": place.line.version if place else 1}


household = _pk(lambda p: p.household.pk)
target = _pk(lambda p: p.target.pk)
line = _pk(lambda p: p.line.pk)
batch = _pk(lambda p: p.batch.pk)
budget_import = _pk(lambda p: p.budget_import.pk)


def district_code(place):
    return "999" if place is None else place.district.code


ROUTES = [
    # households
    Route("households", "list", "page", "get", lambda p: "/households/?year=2024", kind="list",
          marker=lambda p: p.household.code),
    Route("households", "detail", "page", "get", lambda p: f"/households/{household(p)}/"),
    Route("households", "export", "page", "post", lambda p: "/reports/exports/households/", ok=(302,),
          data=lambda p: {"year": "2024", "unit": district_code(p)},
          changed=lambda p, before, after: after[8] == before[8] + 1),
    Route("households", "update", "page", "post", lambda p: f"/households/{household(p)}/",
          data=lambda p: {"head_name": "Đổi Tên"}),
    Route("households", "delete", "page", "delete", lambda p: f"/households/{household(p)}/"),
    # reviews (the households API)
    Route("reviews", "list", "api", "get", lambda p: "/api/v1/reviews/?year=2024&page_size=1000", kind="list",
          marker=lambda p: f'"household_code":"{p.household.code}"'),
    Route("reviews", "list", "page", "get", lambda p: "/households/?year=2024&kind=periodic", kind="list",
          marker=lambda p: f"/households/{p.household.pk}/"),
    Route("reviews", "update", "api", "put", lambda p: "/api/v1/reviews/", kind="role",
          data=lambda p: {"classification": "not_poor"}),
    Route("reviews", "delete", "api", "delete", lambda p: "/api/v1/reviews/", kind="role"),
    # imports
    Route("imports", "list", "page", "get", lambda p: "/imports/", kind="list",
          marker=lambda p: f"/imports/{p.batch.pk}/"),
    Route("imports", "list", "api", "get", lambda p: "/api/v1/imports/", kind="list",
          marker=lambda p: f'"id":{p.batch.pk},'),
    Route("imports", "status", "page", "get", lambda p: f"/imports/{batch(p)}/"),
    Route("imports", "status", "page", "get", lambda p: f"/imports/{batch(p)}/progress/"),
    Route("imports", "status", "api", "get", lambda p: f"/api/v1/imports/{batch(p)}/"),
    Route("imports", "error_report", "page", "get", lambda p: f"/imports/{batch(p)}/annotated.xlsx"),
    Route("imports", "error_report", "page", "get", lambda p: f"/imports/{batch(p)}/file"),
    Route("imports", "revert", "page", "post", lambda p: f"/imports/{batch(p)}/revert/", ok=(302,),
          changed=lambda p, before, after: after[3] == ImportBatch.Status.REVERTED),
    Route("imports", "create", "page", "post", lambda p: "/imports/", kind="role",
          data=lambda p: {"year": "2024", "file": SimpleUploadedFile("rong.xlsx", b"")}),
    Route("imports", "create", "api", "post", lambda p: "/api/v1/imports/", kind="role", ok=(400,),
          data=lambda p: {"year": "2024", "file": SimpleUploadedFile("rong.xlsx", b"")}),
    Route("imports", "delete", "api", "delete", lambda p: f"/api/v1/imports/{batch(p)}/"),
    # budget imports (spreadsheets of allocations or disbursements, as jobs)
    Route("budget_imports", "list", "api", "get", lambda p: "/api/v1/budget-imports/", kind="list",
          marker=lambda p: f'"id":{p.budget_import.pk},'),
    Route("budget_imports", "status", "api", "get", lambda p: f"/api/v1/budget-imports/{budget_import(p)}/"),
    Route("budget_imports", "status", "page", "get", lambda p: f"/budgets/import/{budget_import(p)}/"),
    Route("budget_imports", "status", "page", "get", lambda p: f"/budgets/import/{budget_import(p)}/progress/"),
    Route("budget_imports", "create", "api", "post", lambda p: "/api/v1/budget-imports/", kind="role", ok=(400,),
          data=lambda p: {"kind": "allocations", "file": SimpleUploadedFile("rong.xlsx", b"")}),
    Route("budget_imports", "create", "page", "post", lambda p: "/budgets/import/", kind="role", ok=(400,),
          data=lambda p: {"kind": "allocations", "file": SimpleUploadedFile("rong.xlsx", b"")}),
    # targets
    Route("targets", "list", "page", "get", lambda p: "/programmes/targets/?year=2024", kind="list",
          marker=lambda p: f"/programmes/targets/{p.target.pk}/"),
    Route("targets", "list", "api", "get", lambda p: "/api/v1/targets/?year=2024", kind="list",
          marker=lambda p: f'"unit":"{p.district.code}"'),
    Route("targets", "detail", "page", "get", lambda p: f"/programmes/targets/{target(p)}/"),
    Route("targets", "detail", "page", "get", lambda p: f"/programmes/targets/{target(p)}/cascade/"),
    Route("targets", "update", "page", "post", lambda p: f"/programmes/targets/{target(p)}/edit/", ok=(302,),
          data=_target_form, changed=lambda p, before, after: after[0] == before[0] + 1),
    Route("targets", "delete", "page", "post", lambda p: f"/programmes/targets/{target(p)}/delete/", ok=(302,),
          changed=lambda p, before, after: after[0] is None),
    # allocations
    Route("allocations", "list", "page", "get", lambda p: "/budgets/allocations/?year=2023", kind="list",
          marker=lambda p: f"/budgets/allocations/{p.line.pk}/"),
    Route("allocations", "list", "api", "get",
          lambda p: f"/api/v1/stats/disbursement/?unit={district_code(p)}&year=2023"),
    Route("allocations", "detail", "page", "get", lambda p: f"/budgets/allocations/{line(p)}/"),
    Route("allocations", "export", "page", "get", lambda p: f"/budgets/export.xlsx?unit={district_code(p)}&year=2023"),
    Route("allocations", "export", "page", "get",
          lambda p: f"/reports/exports/disbursement.xlsx?unit={district_code(p)}&year=2023"),
    Route("allocations", "update", "page", "post", lambda p: f"/budgets/allocations/{line(p)}/adjust/", ok=(302,),
          data=_line_form, changed=lambda p, before, after: after[1][0] == before[1][0] + 5_000_000),
    Route("allocations", "delete", "page", "post", lambda p: f"/budgets/allocations/{line(p)}/delete/"),
    # disbursements
    Route("disbursements", "list", "page", "get", lambda p: "/budgets/disbursements/?year=2023", kind="list",
          marker=lambda p: f"CT-{p.district.code}<"),
    Route("disbursements", "detail", "page", "get", lambda p: f"/budgets/allocations/{line(p)}/"),
    Route("disbursements", "create", "page", "post", lambda p: f"/budgets/allocations/{line(p)}/disburse/",
          ok=(302,), data=_disburse_form, changed=lambda p, before, after: after[6] == before[6] + 1),
    Route("disbursements", "delete", "page", "post",
          lambda p: f"/budgets/disbursements/{MISSING if p is None else p.disbursement.pk}/delete/"),
    # units
    Route("units", "list", "page", "get", lambda p: "/units/search/?q=huyen&period=legacy", kind="list",
          marker=lambda p: f"/units/{p.district.code}/"),
    Route("units", "list", "api", "get", lambda p: "/api/v1/units/?level=district&year=2024", kind="list",
          marker=lambda p: f'"code":"{p.district.code}"'),
    Route("units", "detail", "page", "get", lambda p: f"/units/{district_code(p)}/?period=legacy"),
    Route("units", "detail", "api", "get", lambda p: f"/api/v1/units/{district_code(p)}/?year=2024"),
    Route("units", "update", "page", "post", lambda p: f"/units/{district_code(p)}/flags/?period=legacy", ok=(302,),
          data=lambda p: {"is_poor_district": "on"}, changed=lambda p, before, after: after[2] is True),
    # the personal-data log and audit history
    Route("personal_data_log", "list", "page", "get", lambda p: "/households/access-log/", kind="list",
          marker=lambda p: f"LOG-{p.district.code}"),
    Route("history", "detail", "page", "get", lambda p: f"/programmes/targets/{target(p)}/", kind="history"),
    Route("history", "detail", "page", "get", lambda p: f"/budgets/allocations/{line(p)}/", kind="history"),
    Route("history", "detail", "page", "get", lambda p: f"/households/{household(p)}/", kind="history"),
    # the review cycle (issue 17): every transition, per district, through the pages; the reads through the API
    Route("review_status", "detail", "api", "get",
          lambda p: f"/api/v1/review-status/?unit={district_code(p)}&year=2024"),
    Route("review_status", "detail", "page", "get", lambda p: f"/review/?unit={district_code(p)}&year=2024"),
    Route("review_status", "submit", "page", "post", lambda p: "/review/submit/", ok=(302,),
          data=lambda p: {"unit": district_code(p), "year": "2023"},
          changed=lambda p, before, after: after[9] == "submitted"),
    Route("review_status", "approve", "page", "post", lambda p: "/review/approve/", ok=(302,),
          data=lambda p: {"unit": district_code(p), "year": "2022"},
          changed=lambda p, before, after: after[10] == "approved"),
    Route("review_status", "return", "page", "post", lambda p: "/review/return/", ok=(302,),
          data=lambda p: {"unit": district_code(p), "year": "2022", "comment": "Thiếu hộ"},
          changed=lambda p, before, after: after[10] == "returned"),
    Route("publications", "list", "api", "get", lambda p: "/api/v1/publications/", kind="role"),
    Route("publications", "publish", "page", "post", lambda p: "/review/publish/", kind="role", ok=(302,),
          data=lambda p: {"unit": "06", "year": "2021", "decision_number": "2/QĐ-UBND", "decision_date": "2021-12-20"}),
    Route("publications", "reopen", "page", "post",
          lambda p: f"/review/publications/{PUBLICATION}/reopen/", kind="role", ok=(302,),
          data=lambda p: {"reason": "Bổ sung"}),
]

# Cells of the matrix that no page or API offers at all (so nothing to try beyond the routes above), with why.
NO_ROUTE: dict[tuple[str, str], str] = {}

# (role, route, district) checks; a route with no object (an upload) is one check per role.
CELLS_TRIED = sum(len(ROLES) * (1 if route.kind == "role" else len(LOCATIONS)) for route in ROUTES)
PERSONAL = ("Nguyễn Văn An", "Trần Văn Cường", "006090001234", "Người Trong Tệp")


def _client(role: str, channel: str):
    client = APIClient()
    assert client.login(username=USERNAMES[role], password=TEST_PASSWORD)
    return client


def _call(client, route: Route, place: Place | None):
    url = route.url(place)
    data = route.data(place) if place is not None else route.data(None) if route.kind == "role" else {}
    if route.method == "get":
        return client.get(url)
    if route.method == "post" and route.channel == "page":
        return client.post(url, data)  # multipart, as a browser form
    return getattr(client, route.method)(url, data, format="multipart" if route.channel == "api" else None)


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode("utf-8", errors="replace")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_matrix_cell(route: Route, role: str, world):
    cell = allowed(role, route.resource, route.action)
    client = _client(role, route.channel)
    if route.kind == "list":
        response = _call(client, route, None)
        if cell == Access.DENY:
            assert response.status_code in (200, 403, 404), route.name
        else:
            assert response.status_code == 200, route.name
        body = _body(response)
        for location in LOCATIONS:
            expected = cell != Access.DENY and in_scope(role, location)
            assert (route.marker(world[location]) in body) == expected, (route.name, role, location)
        if cell == Access.MASKED:
            assert not any(value in body for value in PERSONAL), (route.name, role)
        return
    if route.kind == "role":
        before = _snapshot(world["own"])
        response = _call(client, route, None)
        if cell == Access.DENY:
            assert response.status_code in (403, 404, 405), (route.name, role, response.status_code)
            assert _snapshot(world["own"]) == before
        else:
            assert response.status_code in route.ok, (route.name, role, response.status_code)
        return
    missing = _call(client, route, None).status_code
    # A role the matrix denies may get 403 for every id (before any lookup): that says nothing about an object.
    assert missing in (404, 405) or (cell == Access.DENY and missing == 403), (route.name, "a missing id", missing)
    for location in ("other", "sibling", "own"):  # the writes in scope last
        place = world[location]
        before = _snapshot(place)
        response = _call(client, route, place)
        if not in_scope(role, location):
            assert response.status_code == missing, (route.name, role, location, response.status_code)
            assert _snapshot(place) == before, (route.name, role, location)
            continue
        body = _body(response)
        if route.kind == "history":
            assert response.status_code == 200
            assert ('data-testid="audit-history"' in body) == (cell != Access.DENY), (route.name, role, location)
            continue
        if cell == Access.DENY:
            assert response.status_code in (403, 404, 405), (route.name, role, location, response.status_code)
            assert _snapshot(place) == before, (route.name, role, location)
            continue
        assert response.status_code in route.ok, (route.name, role, location, response.status_code)
        if route.changed is not None:
            assert route.changed(place, before, _snapshot(place)), (route.name, role, location)
        if cell == Access.MASKED:
            assert not any(value in body for value in PERSONAL), (route.name, role, location)


def test_every_matrix_cell_has_a_route_or_a_reason():
    routed = {(route.resource, route.action) for route in ROUTES}
    cells = {(resource, action) for (_role, resource, action) in MATRIX}
    assert cells - routed == set(NO_ROUTE), "every cell needs a route in ROUTES, or a reason in NO_ROUTE"
    assert CELLS_TRIED >= 500


def test_docs_match_the_matrix():
    from pathlib import Path

    from config.access import markdown

    docs = Path(__file__).resolve().parents[2] / "docs" / "access-matrix.md"
    assert docs.read_text(encoding="utf-8") == markdown(), "regenerate: .venv/bin/python -m config.access"
