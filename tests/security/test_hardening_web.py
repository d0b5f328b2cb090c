"""Web hardening (issue 18): download names through Django's helper, query parameters parsed once (bad values 400),
the Vietnamese 413 under runserver/wsgiref, `Cache-Control: no-store` on personal data, Vietnamese 403/404/500
pages and API bodies, a terse /healthz for anonymous callers, and the login lock-out keyed on the real client
address behind a configured number of trusted proxies.

Every hostile input is generated here: Unicode digits that `str.isdigit` accepts ("²", Arabic-Indic), a value one
past the 64-bit range, quotes and `filename*=` in a download name, forged X-Forwarded-For chains.
"""

import email.message
import json
import re
import socket
import threading
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from households.importing.services import import_batch_create
from households.personal_data import household_view_record
from tests.factories import TEST_PASSWORD, CommuneFactory
from tests.households.factories import HouseholdFactory, record

ROOT = Path(__file__).resolve().parents[2]
BEYOND_BIGINT = str(2**63)
# Values int() chokes on or misreads although str.isdigit() says yes, and values past a bigint column.
BAD_NUMBERS = ["\u00b2", "\u0661\u0662", "1\u00b2", BEYOND_BIGINT, "9" * 40, "-1", "1e3", "0x10", "1_000", "١"]


def _filename(header: str) -> str:
    """The filename a mail/HTTP header parser reads from a Content-Disposition value."""
    message = email.message.Message()
    message["Content-Disposition"] = header
    return message.get_filename()


def _commune(na_ri, district="066"):
    return next(u for u in na_ri["units"].values() if u.level == "commune" and u.parent.code == district)


# --- (3) download names -----------------------------------------------------------------------------------------

def test_no_view_builds_a_content_disposition_by_hand():
    """Every download name goes through django.utils.http.content_disposition_header or FileResponse(filename=):
    an f-string lets a quote in the name end the parameter and smuggle `filename*=` in. (households/importing is
    covered by the import tests.)"""
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "node_modules/", "tests/", "households/importing/")):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"""\[["']Content-Disposition["']\]\s*=\s*f?["']""", line):
                offenders.append(f"{relative}:{number}")
    assert offenders == []


@pytest.mark.django_db
def test_a_quote_in_a_unit_code_cannot_inject_a_download_name(client, na_ri):
    """A unit code is data (reference imports): one with a quote and `;` stays inside the quoted filename."""
    hostile = 'X";a='
    CommuneFactory(code=hostile, name="Xã Thử", short_name="Thử", parent=na_ri["units"]["066"],
                   valid_from=na_ri["units"]["066"].valid_from, valid_to=na_ri["units"]["066"].valid_to)
    client.force_login(na_ri["staff"])
    response = client.get("/reports/exports/summary.xlsx", {"unit": hostile, "year": 2024, "view": "legacy"})
    assert response.status_code == 200, response.status_code
    header = response["Content-Disposition"]
    assert header.startswith("attachment; ")
    assert _filename(header) == f"tong-hop-ra-soat-{hostile}-2024-legacy.xlsx"


@pytest.mark.django_db
def test_download_names_are_still_plain_for_ordinary_codes(client, na_ri):
    client.force_login(na_ri["staff"])
    response = client.get("/budgets/export.xlsx", {"unit": "066", "year": 2024})
    assert response["Content-Disposition"] == 'attachment; filename="giai-ngan-066-2024.xlsx"'
    response = client.get("/budgets/import/template/allocations.xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="mau-allocations.xlsx"'
    response = client.get("/units/import/template/totals.xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="mau-totals.xlsx"'


# --- (4) query parameters -----------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_a_malformed_household_in_the_access_log_is_a_vietnamese_400(client, na_ri, value):
    client.force_login(na_ri["staff"])
    response = client.get("/households/access-log/", {"household": value})
    assert response.status_code == 400, value
    assert "Yêu cầu không hợp lệ" in response.content.decode()


@pytest.mark.django_db
def test_the_access_log_still_filters_on_a_well_formed_household(client, na_ri):
    communes = _commune(na_ri)
    seen, other = HouseholdFactory(commune=communes), HouseholdFactory(commune=communes)
    household_view_record(user=na_ri["officer"], household=seen)
    household_view_record(user=na_ri["officer"], household=other)
    client.force_login(na_ri["staff"])
    page = client.get("/households/access-log/", {"household": f" {seen.pk} "})
    assert page.status_code == 200
    assert [row.household_id for row in page.context["page"].object_list] == [seen.pk]
    assert client.get("/households/access-log/", {"household": ""}).status_code == 200
    assert client.get("/households/access-log/", {"household": "999999999999999999"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", [
    "/households/", "/", "/reports/anomalies/", "/reports/", "/reports/exports/summary.xlsx", "/units/06/",
    "/programmes/targets/new/",
])
@pytest.mark.parametrize("value", ["\u00b2", BEYOND_BIGINT])
def test_a_malformed_year_on_any_page_is_a_400_not_a_500(client, na_ri, path, value):
    client.force_login(na_ri["staff"])
    client.raise_request_exception = False
    response = client.get(path, {"year": value, "unit": "06"})
    assert response.status_code == 400, (path, response.status_code)


@pytest.mark.django_db
def test_the_query_parser_refuses_what_int_misreads():
    from django.http import QueryDict

    from config.query import BadQueryParameter, query_int

    for value in BAD_NUMBERS:
        with pytest.raises(BadQueryParameter):
            query_int(QueryDict(mutable=True) | {"n": value}, "n")
    assert query_int(QueryDict("n=42"), "n") == 42
    assert query_int(QueryDict("n="), "n", default=7) == 7
    assert query_int(QueryDict(""), "n") is None


# --- (5) 413 under runserver (wsgiref) --------------------------------------------------------------------------

def _serve_once(app) -> tuple[WSGIServer, threading.Thread]:
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler, ipv6=False)
    server.set_app(app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def _post_headers_only(port: int, path: str, length: int, content_type: str) -> bytes:
    """Announce a large body, send only its first bytes, read the answer (the server answers from the headers)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
                      f"Content-Length: {length}\r\n\r\n").encode() + b"0" * 65536)
        answer = b""
        while True:
            head, separator, body = answer.partition(b"\r\n\r\n")
            found = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            complete = len(body) >= int(found.group(1)) if found else body.rstrip().endswith((b"</html>", b"}"))
            if separator and complete:
                break  # the whole answer (no Content-Length: runserver then keeps reading the body we never send)
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


@pytest.mark.parametrize("path, content_type, marker", [
    ("/imports/", "multipart/form-data; boundary=x", "Dữ liệu gửi lên quá lớn"),
    ("/api/v1/imports/", "multipart/form-data; boundary=x", "quá lớn"),
    ("/accounts/login/", "application/x-www-form-urlencoded", "Dữ liệu gửi lên quá lớn"),
])
def test_a_70_mb_upload_gets_the_vietnamese_413_under_runserver(path, content_type, marker):
    server, thread = _serve_once(WSGIHandler())
    try:
        answer = _post_headers_only(server.server_address[1], path, 70 * 1024 * 1024, content_type)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].split()[1] == b"413", head
    text = json.loads(body)["detail"] if body.startswith(b"{") else body.decode()
    assert marker in text


# --- (7) Cache-Control: no-store --------------------------------------------------------------------------------

def _assert_no_store(response):
    assert "no-store" in response.get("Cache-Control", ""), response.get("Cache-Control")


@pytest.mark.django_db
def test_personal_data_is_never_stored_by_a_cache(client, na_ri):
    household = HouseholdFactory(commune=_commune(na_ri), head_name="Nguyễn Thị Lan", id_number="001190012345")
    record(household, 2024, "poor")
    batch = import_batch_create(uploaded_file=SimpleUploadedFile("ra-soat.csv", b"Ma ho\nH-1\n"), year=2024,
                                acting_user=na_ri["officer"], original_name="ra-soat.csv", enqueue=False)
    client.force_login(na_ri["officer"])
    for path in (f"/households/{household.pk}/", f"/imports/{batch.pk}/file", f"/imports/{batch.pk}/",
                 "/imports/", "/households/", "/api/v1/reviews/?year=2024", f"/api/v1/imports/{batch.pk}/"):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_no_store(response)
    client.force_login(na_ri["staff"])
    _assert_no_store(client.get("/households/access-log/"))


@pytest.mark.django_db
def test_api_answers_and_export_headers_keep_no_store(client, na_ri):
    _assert_no_store(client.get("/api/v1/reviews/"))  # refused, still not cached
    client.force_login(na_ri["staff"])
    response = client.get("/reports/exports/summary.xlsx", {"unit": "06", "year": 2024})
    assert response["Cache-Control"].startswith("no-store")


def test_static_files_keep_their_cache_lifetime(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- Vietnamese 403 / 404 / 500 -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_404_is_vietnamese_in_the_sites_shell(client, na_ri):
    client.force_login(na_ri["officer"])
    for path in ("/khong-co-trang-nay/", "/households/999999999/"):
        response = client.get(path)
        assert response.status_code == 404
        html = response.content.decode()
        assert "Không tìm thấy trang" in html, path
        assert 'data-testid="main-nav"' in html  # the site's shell, not Django's bare page
        assert "Not Found" not in html and "matches the given query" not in html


@pytest.mark.django_db
def test_403_is_vietnamese_in_the_sites_shell(client, na_ri):
    client.force_login(na_ri["leader"])
    response = client.get("/households/access-log/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Không có quyền truy cập" in html
    assert 'data-testid="main-nav"' in html
    assert "403 Forbidden" not in html


@pytest.mark.django_db
def test_500_is_vietnamese_and_needs_no_database(client, na_ri):
    household = HouseholdFactory(commune=_commune(na_ri))
    client.force_login(na_ri["officer"])
    client.raise_request_exception = False
    with mock.patch("households.views.standards_all", side_effect=RuntimeError("hỏng")):
        response = client.get(f"/households/{household.pk}/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Lỗi hệ thống" in html and "Server Error" not in html
    from config.views import server_error

    try:
        raise RuntimeError("hỏng")
    except RuntimeError:
        with CaptureQueriesContext(connection) as queries:
            response = server_error(RequestFactory().get("/households/"))
    assert response.status_code == 500
    assert "Lỗi hệ thống" in response.content.decode()
    assert len(queries) == 0


@pytest.mark.django_db
def test_api_403_and_404_bodies_are_vietnamese(client, na_ri):
    response = client.get("/api/v1/reviews/")
    assert response.status_code in (401, 403)
    assert "Chưa đăng nhập" in response.json()["detail"]
    client.force_login(na_ri["officer"])
    response = client.get("/api/v1/imports/999999999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Không tìm thấy."}
    response = client.get("/api/v1/khong-co/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Không tìm thấy."}
    response = client.get("/api/v1/reviews/", {"year": 2024, "page": 999})
    assert response.status_code == 404
    assert response.json() == {"detail": "Không tìm thấy."}


# --- /healthz -----------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_healthz_tells_anonymous_callers_only_ok(client, django_user_model):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    client.force_login(django_user_model.objects.create_user("nguoi_dung"))
    assert client.get("/healthz").json() == {"status": "ok"}  # a user, not an operator
    client.force_login(django_user_model.objects.create_user("van_hanh", is_staff=True))
    body = client.get("/healthz").json()
    assert body["database"]["vendor"] == connection.vendor


@pytest.mark.django_db
def test_healthz_unavailable_is_503_and_terse(client):
    with mock.patch("config.views._broker_status", return_value={"ok": False, "mode": "redis", "error": "x"}):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_compose_health_check_relies_on_the_status_code_only():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert "curl -fsS" in compose["services"]["web"]["healthcheck"]["test"][1]  # -f: a 503 fails the check
    assert compose["x-django"]["environment"]["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-1}"


# --- lock-out behind the proxy --------------------------------------------------------------------------------------

PROXY = "10.0.0.2"


def _login(client, password, **extra):
    return client.post("/accounts/login/", {"username": "canbo_nari", "password": password}, **extra)


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_lockout_behind_the_proxy_is_per_real_client(client, na_ri):
    attacker, colleague = "198.51.100.7", "198.51.100.8"
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "sai-mat-khau", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=attacker)
    assert _login(client, TEST_PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=attacker).status_code == 429
    # The owner of the account, through the same proxy, from their own address: not locked.
    assert _login(client, TEST_PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=colleague).status_code == 302
    client.logout()
    # The attacker cannot escape the lock by prepending forged entries: the proxy's own entry is the last one.
    forged = f"203.0.113.99, {attacker}"
    assert _login(client, TEST_PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forged).status_code == 429


@pytest.mark.django_db
def test_a_forged_forwarded_for_is_ignored_without_trusted_proxies(client, na_ri):
    assert settings.TRUSTED_PROXY_COUNT == 0
    for number in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "sai-mat-khau", REMOTE_ADDR="203.0.113.50", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
    response = _login(client, TEST_PASSWORD, REMOTE_ADDR="203.0.113.50", HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_COUNT=2)
def test_the_client_address_is_read_past_the_configured_proxies():
    from config.client_address import client_address

    def address(forwarded, remote="10.0.0.3"):
        request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
        return client_address(request)

    assert address("1.2.3.4, 198.51.100.7, 10.0.0.2") == "198.51.100.7"
    assert address("10.0.0.2") == "10.0.0.3"  # fewer entries than proxies: not through them
    assert address("not-an-address, 10.0.0.2") == "10.0.0.3"
