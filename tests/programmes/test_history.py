"""Audit history of poverty-rate targets (django-simple-history): on the target page for provincial staff only."""

import pytest

from programmes.models import PovertyTarget
from programmes.services import poverty_target_set
from tests.programmes.conftest import login


@pytest.fixture
def target(units):
    return poverty_target_set(unit=units["na_ri"], year=2024, group="all", entered_as="points", value="1",
                              acting_user=None)


def test_staff_see_who_changed_the_target(client, people, target):
    login(client, "so_bk")
    response = client.post(f"/programmes/targets/{target.pk}/edit/",
                           {"entered_as": "points", "value": "2.5", "note": "QĐ 12", "version": target.version})
    assert response.status_code == 302
    page = client.get(f"/programmes/targets/{target.pk}/").content.decode()
    assert 'data-testid="audit-history"' in page
    assert page.count('data-testid="history-entry"') == 2  # created (by the system), changed by so_bk
    assert "so_bk" in page and "<del>1,00</del> → 2,50" in page and "QĐ 12" in page


@pytest.mark.parametrize("username", ["canbo_nari", "lanhdao_bk"])
def test_others_see_no_history(client, people, target, username):
    page = login(client, username).get(f"/programmes/targets/{target.pk}/").content.decode()
    assert 'data-testid="audit-history"' not in page and 'data-testid="history-entry"' not in page


def test_a_deleted_target_keeps_its_history(client, people, target):
    login(client, "so_bk")
    assert client.post(f"/programmes/targets/{target.pk}/delete/").status_code == 302
    assert not PovertyTarget.objects.filter(pk=target.pk).exists()
    deleted = PovertyTarget.history.filter(id=target.pk).order_by("-history_date").first()
    assert deleted.history_type == "-" and deleted.history_user == people["staff"]


def test_a_refused_edit_writes_no_history(client, people, target):
    login(client, "canbo_nari")
    response = client.post(f"/programmes/targets/{target.pk}/edit/",
                           {"entered_as": "points", "value": "2", "version": target.version})
    assert response.status_code == 403
    assert PovertyTarget.history.filter(id=target.pk).count() == 1
