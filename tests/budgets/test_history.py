"""Audit history of budget lines and disbursements (django-simple-history): on the line's page for provincial staff
only. The counters move in SQL (budgets.services._bump), which writes the history row itself."""

import datetime

import pytest

from budgets.models import Allocation, Disbursement
from tests.budgets.conftest import allocate, disburse, login


@pytest.fixture
def line(world):
    return allocate(world["na_ri"], 500_000_000, year=2023).allocation


def test_every_change_of_a_line_is_recorded_with_its_author(client, world, line):
    login(client, "so_bk")
    response = client.post(f"/budgets/allocations/{line.pk}/adjust/", {
        "amount": "5", "legal_basis_number": "99/QĐ", "legal_basis_date": "01/07/2023", "version": line.version,
    })
    assert response.status_code == 302
    line.refresh_from_db()
    response = client.post(f"/budgets/allocations/{line.pk}/disburse/", {
        "amount": "2", "disbursed_on": "02/07/2023", "document": "CT-01", "version": line.version,
    })
    assert response.status_code == 302
    rows = list(Allocation.history.filter(id=line.pk).order_by("history_date", "history_id"))
    assert [(row.history_type, row.amount_vnd, row.disbursed_vnd) for row in rows] == [
        ("+", 0, 0), ("~", 500_000_000, 0), ("~", 505_000_000, 0), ("~", 505_000_000, 2_000_000),
    ]
    assert [row.history_user for row in rows[2:]] == [world["staff"], world["staff"]]
    payment = Disbursement.history.get(allocation_id=line.pk)
    assert payment.history_user == world["staff"] and payment.document == "CT-01"
    page = client.get(f"/budgets/allocations/{line.pk}/").content.decode()
    assert "<del>500.000.000</del> → 505.000.000" in page and "<del>0</del> → 2.000.000" in page


def test_the_line_page_shows_the_history_to_staff_only(client, world, line):
    disburse(line, 10_000_000, datetime.date(2023, 6, 1), document="CT-77")
    page = login(client, "so_bk").get(f"/budgets/allocations/{line.pk}/").content.decode()
    assert 'data-testid="audit-history"' in page
    assert "Giải ngân 01/06/2023" in page and "CT-77" in page
    assert "500.000.000" in page  # the line's amount, in Vietnamese grouping
    assert 'data-testid="bulk-note"' in page and "SHA-256" in page  # imports are audited by their record
    client.logout()
    for username in ("canbo_nari", "lanhdao_bk"):
        other = login(client, username).get(f"/budgets/allocations/{line.pk}/").content.decode()
        assert 'data-testid="audit-history"' not in other
        client.logout()


def test_the_history_costs_a_fixed_number_of_queries(client, world, line, django_assert_max_num_queries):
    for day in range(1, 4):
        disburse(line, 1_000_000, datetime.date(2023, 6, day))
    login(client, "so_bk")
    with django_assert_max_num_queries(30) as few:
        client.get(f"/budgets/allocations/{line.pk}/")
    for day in range(4, 12):
        disburse(line, 1_000_000, datetime.date(2023, 6, day))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/budgets/allocations/{line.pk}/")
