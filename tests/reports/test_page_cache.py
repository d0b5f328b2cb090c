"""The dashboard's whole page is cached per user and address (reports.cache.page, issue 22): each user still sees
their own name, each answer carries a CSRF token valid for its own session, a page with a message shows it once
and is never stored, and a hit costs no more queries than before."""

import re

from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import Client, RequestFactory
from django.urls import reverse

from reports import cache as stats_cache
from tests.factories import ProfileFactory
from tests.reports.test_stats_cache import dashboard, stats  # noqa: F401 (fixture)

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_each_user_of_one_scope_sees_their_own_page(client, people, stats):  # noqa: F811
    other = ProfileFactory(user__username="lanhdao_bk_2", role=people["leader"].profile.role,
                           unit=people["leader"].profile.unit).user
    assert stats_cache.scope_of(other) == stats_cache.scope_of(people["leader"])
    first = dashboard(client, people["leader"]).content.decode()
    second = dashboard(client, other).content.decode()
    assert "lanhdao_bk" in first and "lanhdao_bk_2" not in first
    assert "lanhdao_bk_2" in second
    assert "22,25%" in first and "22,25%" in second


def test_a_cached_page_carries_a_token_of_its_own_request(people, stats):  # noqa: F811
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["leader"])
    url = reverse("reports:dashboard")
    pages = [client.get(url, {"unit": "06", "year": 2023}).content.decode() for _ in range(2)]
    tokens = [TOKEN.findall(page) for page in pages]
    assert all(tokens) and tokens[0][0] != tokens[1][0]  # masked anew each time, never the stored page's
    assert stats_cache.CSRF_MARK not in pages[1]
    assert f'"X-CSRFToken": "{tokens[1][0]}"' in pages[1]
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": tokens[1][0]})
    assert response.status_code == 302  # accepted: the token is the session's
    assert "_auth_user_id" not in client.session


def test_a_page_with_a_message_shows_it_once_and_is_not_stored(client, people, stats):  # noqa: F811
    assert "22,25%" in dashboard(client, people["leader"]).content.decode()  # stored without a message
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies[storage.cookie_name] = storage._encode([Message(constants.SUCCESS, "Đã lưu chỉ tiêu.")])
    assert "Đã lưu chỉ tiêu." in dashboard(client, people["leader"]).content.decode()
    assert "Đã lưu chỉ tiêu." not in dashboard(client, people["leader"]).content.decode()


def test_another_address_is_another_page(client, people, stats):  # noqa: F811
    province = dashboard(client, people["leader"]).content.decode()
    district = dashboard(client, people["leader"], unit="066").content.decode()
    assert 'name="next" value="/?unit=06&amp;year=2023"' in province
    assert 'name="next" value="/?unit=066&amp;year=2023"' in district
    assert "22,25%" in province and "22,25%" not in district
