"""A district officer's import, in headless chromium: errors first, then the good workbook."""

import pytest
from python_calamine import CalamineWorkbook

from tests.browser import ARTIFACTS, browser_page, log_in
from tests.factories import TEST_PASSWORD
from tests.households.test_imports import BAD, CLEAN, DATA

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_uploads_the_bad_sample_then_the_good_one(live_server, na_ri, tmp_path):
    with browser_page() as page:
        log_in(page, live_server.url, "canbo_nari", TEST_PASSWORD)
        page.get_by_role("link", name="Nhập dữ liệu").click()
        page.set_input_files("input[name=file]", str(DATA / BAD[0]))
        page.fill("input[name=year]", "2023")
        page.get_by_role("button", name="Tải lên và kiểm tra").click()
        page.get_by_test_id("import-rejected").wait_for()
        errors = page.get_by_test_id("import-errors").locator("tbody tr")
        assert errors.count() == 8
        assert errors.first.locator("td").first.inner_text().strip() == "46"  # the row Excel shows, in its own column
        assert "Dòng" not in errors.first.inner_text()
        page.screenshot(path=str(ARTIFACTS / "import-rejected.png"), full_page=True)
        with page.expect_download() as download_info:
            page.get_by_test_id("annotated-download").click()
        annotated = tmp_path / "annotated.xlsx"
        download_info.value.save_as(annotated)
        assert "Danh sách lỗi" in CalamineWorkbook.from_path(str(annotated)).sheet_names

        page.get_by_role("link", name="Nhập dữ liệu").first.click()
        page.set_input_files("input[name=file]", str(DATA / CLEAN[0]))
        page.fill("input[name=year]", "2023")
        page.get_by_role("button", name="Tải lên và kiểm tra").click()
        page.locator("[data-testid=import-progress][data-progress='100']").wait_for()
        summary = page.get_by_test_id("import-summary")
        summary.wait_for()
        assert page.get_by_test_id("import-status").first.get_attribute("data-status") == "committed"
        counts = sum(int(page.get_by_test_id(f"count-{value}").inner_text().replace(".", ""))
                     for value in ("poor", "near_poor", "middle", "not_poor"))
        assert counts == 600
        page.screenshot(path=str(ARTIFACTS / "import-committed.png"), full_page=True)
