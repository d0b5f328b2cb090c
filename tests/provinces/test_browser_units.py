"""The unit browser in headless chromium: the htmx tree expands, search works as you type, the switch."""

import pytest

from tests.browser import ARTIFACTS, browser_page, log_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_tree_search_and_period_switch(live_server, people, reorg):
    with browser_page() as page:
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        log_in(page, live_server.url, "canbo_nari", TEST_PASSWORD)
        page.goto(f"{live_server.url}/units/")
        tree = page.get_by_test_id("unit-tree")
        tree.locator("summary").first.click(position={"x": 2, "y": 2})  # beside the link: opens the node
        tree.get_by_text("Huyện Na Rì").wait_for()
        assert "Ba Bể" not in tree.inner_text()
        tree.locator("li[data-code='066'] > details > summary").click(position={"x": 2, "y": 2})
        tree.get_by_text("Xã Kim Hỷ").wait_for()
        page.fill("#unit-q", "yen lac")
        page.get_by_test_id("unit-search-results").get_by_text("Thị trấn Yến Lạc").wait_for()
        page.screenshot(path=str(ARTIFACTS / "provinces-browser.png"))
        page.get_by_test_id("period-switch").get_by_text("Sau 01/7/2025").click()
        page.wait_for_url("**period=current**")
        page.get_by_test_id("unit-tree").get_by_text("Tỉnh Thái Nguyên").wait_for()
        page.goto(f"{live_server.url}/units/02143/?period=current")
        assert "Xã Kim Hỷ" in page.get_by_test_id("predecessors").inner_text()
        page.screenshot(path=str(ARTIFACTS / "provinces-unit.png"), full_page=True)
        assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
