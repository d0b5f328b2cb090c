"""Bad input beyond the spreadsheet spec: oversized bodies, too many fields, HTML/JS in names and in import
errors (rendered escaped, never executed), and the production security headers.

Bad inputs tried here (see the report): 11 MB JSON to the API, 11 MB form to the login page, a multipart upload
over the limit (page and API), 1,001 form fields, a non-numeric Content-Length, five HTML/JS payloads as household
head names and villages (list, detail, leadership's masked view), the same payloads as cell values in a rejected
import (status page and API errors).
"""

import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from households.importing.services import import_batch_create
from households.models import ImportBatch
from tests.households.factories import HouseholdFactory, record

PAYLOADS = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "</td></tr><script src=//evil.example/x.js></script>",
]
RAW_MARKERS = ["<script>alert", "<img src=x", "<svg/onload", "<script src=//evil"]
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
BIG = 11 * 1024 * 1024


def _assert_escaped(html: str) -> None:
    for marker in RAW_MARKERS:
        assert marker not in html, marker
    assert "&lt;script&gt;alert(" in html or "&lt;script&gt;" in html


# --- oversized and malformed bodies ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_oversized_json_to_the_api_is_refused_with_413_and_a_message(client, people):
    client.force_login(people["staff"])
    body = json.dumps({"standard": "2022-2025", "area": "rural", "income_per_capita": 1, "deprivations": [],
                       "pad": "x" * BIG})
    response = client.post("/api/v1/classify/", body, content_type="application/json")
    assert response.status_code == 413
    assert "quá lớn" in response.json()["detail"]


@pytest.mark.django_db
def test_oversized_form_to_the_login_page_is_refused_with_a_vietnamese_page(client):
    body = urlencode({"username": "a", "password": "x" * BIG})
    response = client.post("/accounts/login/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "Dữ liệu gửi lên quá lớn" in response.content.decode()
    # The same fields as multipart pass the size gate (uploads are multipart) but not Django's field limit.
    response = client.post("/accounts/login/", {"username": "a", "password": "x" * BIG})
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.content.decode()


@pytest.mark.django_db
@override_settings(IMPORT_MAX_FILE_BYTES=2000, DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_upload_over_the_limit_is_refused_before_it_is_read(client, na_ri):
    client.force_login(na_ri["officer"])
    for path in ("/imports/", "/api/v1/imports/"):
        upload = SimpleUploadedFile("lon.xlsx", b"0" * 5000)
        response = client.post(path, {"year": 2023, "file": upload})
        assert response.status_code == 413, path
    assert ImportBatch.objects.count() == 0


@pytest.mark.django_db
def test_a_file_under_the_request_limit_but_over_the_import_limit_gets_a_400_naming_the_file(client, na_ri, settings):
    settings.IMPORT_MAX_FILE_BYTES = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
    client.force_login(na_ri["officer"])
    response = client.post("/api/v1/imports/", {"year": 2023, "file": SimpleUploadedFile("a.xlsx", b"0" * 5000)})
    assert response.status_code == 400
    assert "vượt giới hạn" in response.json()["file"][0]
    assert ImportBatch.objects.count() == 0


@pytest.mark.django_db
def test_too_many_form_fields_get_the_vietnamese_400_page(client):
    fields = {f"f{i}": "1" for i in range(1001)}
    response = client.post("/accounts/login/", fields)
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.content.decode()


@pytest.mark.django_db
def test_a_garbage_content_length_does_not_crash(client):
    response = client.get("/healthz", CONTENT_LENGTH="not-a-number")
    assert response.status_code == 200


# --- HTML/JS in names ---------------------------------------------------------------------------------------

@pytest.fixture
def hostile(units, people, standards):
    households = []
    for number, payload in enumerate(PAYLOADS):
        household = HouseholdFactory(commune=units["kim_hy"], code=f"XSS-{number}", head_name=payload,
                                     village=payload)
        record(household, 2024, "poor")
        households.append(household)
    return households


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["staff", "officer"])
def test_html_in_names_is_escaped_on_the_household_list(client, people, hostile, who):
    client.force_login(people[who])
    html = client.get("/households/", {"year": 2024}).content.decode()
    assert "XSS-0" in html
    _assert_escaped(html)


@pytest.mark.django_db
def test_html_in_names_is_escaped_on_the_household_page(client, people, hostile):
    client.force_login(people["staff"])
    for household in hostile:
        html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
        for marker in RAW_MARKERS:
            assert marker not in html
        if "<" in household.head_name:
            assert "&lt;" in html
        # The chart data travels in a JSON script block whose "<" are escaped: it can never close the tag.
        block = re.search(r'<script id="deprivation-chart-data" type="application/json">(.*?)</script>', html, re.S)
        if block:
            assert "<" not in block.group(1)


@pytest.mark.django_db
def test_leadership_sees_neither_the_payload_nor_the_name(client, people, hostile):
    client.force_login(people["leader"])
    response = client.get("/households/", {"year": 2024})
    html = response.content.decode()
    for marker in RAW_MARKERS:
        assert marker not in html


@pytest.mark.django_db
def test_html_in_import_cells_is_escaped_on_the_status_page_and_plain_in_the_api(client, na_ri, tmp_path):
    path = tmp_path / "hostile.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    header = ["Mã hộ", "Họ và tên chủ hộ", "Mã xã", "Số nhân khẩu", "Thu nhập bình quân đầu người/tháng (đồng)",
              "Việc làm", "Người phụ thuộc trong hộ gia đình", "Dinh dưỡng", "Bảo hiểm y tế",
              "Trình độ giáo dục của người lớn", "Tình trạng đi học của trẻ em", "Chất lượng nhà ở",
              "Diện tích nhà ở bình quân đầu người", "Nguồn nước sinh hoạt", "Nhà tiêu hợp vệ sinh",
              "Sử dụng dịch vụ viễn thông", "Phương tiện phục vụ tiếp cận thông tin", "Phân loại"]
    for column, value in enumerate(header):
        sheet.write(0, column, value)
    for row, payload in enumerate(PAYLOADS, start=1):
        cells = [f"H-{row}", payload, payload, 4, payload, *([1] * 12), "Hộ nghèo"]
        for column, value in enumerate(cells):
            sheet.write(row, column, value)
    workbook.close()
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = import_batch_create(uploaded_file=SimpleUploadedFile(path.name, path.read_bytes()), year=2023,
                                    acting_user=na_ri["officer"], original_name="<b>hostile</b>.xlsx")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.REJECTED
    client.force_login(na_ri["officer"])
    html = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    for marker in RAW_MARKERS:
        assert marker not in html
    assert "<b>hostile</b>" not in html
    errors = client.get(f"/api/v1/imports/{batch.pk}/").json()["errors"]
    assert any(error["value"] == PAYLOADS[0] for error in errors)  # data stays data in JSON


# --- production headers -------------------------------------------------------------------------------------

def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{template.name}: {tag}")
        offenders += [f"{template.name}: {m}" for m in re.findall(r"\son[a-z]+\s*=\s*[\"']", text)]
        offenders += [f"{template.name}: javascript: URL" for _m in re.findall(r"href=[\"']javascript:", text)]
    assert offenders == []


@pytest.mark.django_db
@override_settings(SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True,
                   SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_production_headers_on_a_page_over_https(client, people):
    client.force_login(people["staff"])
    response = client.get("/households/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip())
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    login = client.post("/accounts/login/", {"username": "so_bk", "password": "sai"}, secure=True)
    csrf = login.cookies.get("csrftoken") or client.cookies.get("csrftoken")
    assert csrf is None or csrf["secure"]


@pytest.mark.django_db
@override_settings(SESSION_COOKIE_SECURE=True)
def test_session_cookie_is_secure_httponly_and_lax(client, people):
    from tests.factories import TEST_PASSWORD

    response = client.post("/accounts/login/", {"username": "so_bk", "password": TEST_PASSWORD}, secure=True)
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == ""  # expires when the browser closes (SESSION_EXPIRE_AT_BROWSER_CLOSE)


# --- hostile query strings on the pages ---------------------------------------------------------------------

PAGES = ["/", "/households/", "/imports/", "/units/", "/units/search/", "/programmes/", "/programmes/targets/",
         "/programmes/indicators/", "/programmes/models/", "/programmes/plans/", "/budgets/",
         "/budgets/allocations/", "/budgets/disbursements/", "/reports/", "/reports/anomalies/"]
PARAMETERS = ["year", "page", "unit", "view", "source", "q", "indicator", "capital_type", "status", "project",
              "programme", "kind", "classification", "commune"]  # what the views read from request.GET
HOSTILE_VALUES = ["\x00", "9" * 40, "<script>alert(1)</script>"]


@pytest.mark.django_db
def test_hostile_query_strings_never_crash_a_page(client, people, registry):
    """Every page × every query parameter the views read × a NUL byte, an overlong number and markup:
    4xx or a page, never a 5xx, and the markup never comes back raw."""
    client.force_login(people["staff"])
    tried = 0
    for page in PAGES:
        for parameter in PARAMETERS:
            for value in HOSTILE_VALUES:
                response = client.get(page, {parameter: value})
                tried += 1
                assert response.status_code < 500, (page, parameter, value)
                if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                    assert "<script>alert(1)</script>" not in response.content.decode(), (page, parameter)
    for path in ("/units/%00/", "/api/v1/units/%00/", "/households/%00/"):
        response = client.get(path)
        tried += 1
        assert response.status_code in (400, 404), path
    print(f"page query-string bad inputs: {tried}")
    assert tried == len(PAGES) * len(PARAMETERS) * len(HOSTILE_VALUES) + 3
