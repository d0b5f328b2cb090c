import pytest

from tests.browser import ARTIFACTS, browser_page, log_in
from tests.factories import TEST_PASSWORD
from tests.test_foundation import NAVIGATION

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_logs_in_and_sees_the_vietnamese_navigation(live_server, people):
    with browser_page() as page:
        page.goto(f"{live_server.url}/households/")
        assert "/accounts/login/" in page.url
        assert page.locator("h1").inner_text() == "Đăng nhập"
        log_in(page, live_server.url, "canbo_nari", TEST_PASSWORD)
        page.goto(f"{live_server.url}/")
        nav = page.get_by_test_id("main-nav")
        assert [text.strip() for text in nav.locator("a.nav-link").all_inner_texts()] == NAVIGATION
        assert "Huyện Na Rì" in page.get_by_test_id("user-scope").inner_text()
        # The stylesheet came from our own static files (Bootstrap's navbar is styled).
        assert page.evaluate("getComputedStyle(document.querySelector('.navbar')).display") == "flex"
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "Be Vietnam Pro" in font
        page.screenshot(path=str(ARTIFACTS / "foundation-dashboard.png"))
        page.get_by_role("button", name="Đăng xuất").click()
        page.wait_for_url("**/accounts/login/")
