"""The API fuzzed with schemathesis against the project's own OpenAPI schema (/api/schema/): no 5xx, and every
answer documented: its status among the operation's declared responses, its body valid against that response's
schema (schemathesis' not_a_server_error, status_code_conformance and response_schema_conformance checks).

Every operation gets EXAMPLES_PER_OPERATION generated requests valid by the schema and as many invalid ones,
sent through Django's WSGI handler in-process, authenticated with a provincial staff member's API token, over a small
registry (Bắc Kạn with two districts, Lạng Sơn). The total number of examples run is printed (-s) and asserted.
Derandomized, so a run is reproducible; raise SCHEMATHESIS_EXAMPLES to dig deeper locally.
"""

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

EXAMPLES_PER_OPERATION = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "40"))  # per operation and mode
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app():
    """Django's own WSGI handler, minus the per-request connection recycling that would close the test's
    transaction (the test client mutes the same two signals)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_every_answer_is_documented_and_none_is_a_server_error(wsgi_app, people, registry):
    token = Token.objects.create(user=people["staff"])
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    examples = 0
    failures: dict[tuple[str, str, str], str] = {}  # (operation, check, what) → one reproducing request

    def fuzz(operation, mode):
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def run(case):
            nonlocal examples
            examples += 1
            response = case.call(headers=headers)
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (FailureGroup, Failure) as error:
                found = error.exceptions if isinstance(error, FailureGroup) else [error]
                for failure in found:
                    what = f"{response.status_code} {failure.title}: {failure.message.splitlines()[0][:160]}"
                    failures.setdefault((operation.label, failure.title, what), case.as_curl_command(headers=headers))

        try:
            run()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing in this operation can be made invalid

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation, mode)
    print(f"schemathesis: {examples} examples over {len(operations)} operations, {len(failures)} distinct failures")
    assert examples >= len(operations) * 5
    assert not failures, "answers the schema does not describe:\n" + "\n".join(
        f"- {label} → {what}\n    {curl}" for (label, _, what), curl in sorted(failures.items())
    )


@pytest.mark.django_db
def test_nul_bytes_and_overlong_values_in_every_query_parameter(client, people, registry):
    """PostgreSQL refuses NUL in text; every string parameter must still answer 4xx, never 5xx."""
    client.force_login(people["staff"])
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    tried = []
    for path, methods in schema["paths"].items():
        get = methods.get("get")
        if not get or "{" in path:
            continue
        for parameter in get.get("parameters", []):
            if parameter["in"] != "query":
                continue
            for value in ("\x00", "a\x00b", "9" * 400, "-1", "1e309", "'; DROP TABLE x; --"):
                response = client.get(path, {parameter["name"]: value})
                tried.append((path, parameter["name"], value, response.status_code))
                assert response.status_code < 500, (path, parameter["name"], value)
    print(f"query-parameter bad inputs: {len(tried)}")
    assert len(tried) >= 20


@pytest.mark.django_db
def test_every_operation_declares_its_error_answers(client, people, registry, settings):
    """What the fuzzer cannot provoke is declared all the same: 400/403/503 everywhere, 404 on a detail, a stats
    endpoint or a paginated list, 413/415 with a body; the 413 the size middleware answers matches its schema."""
    client.force_login(people["staff"])
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    missing = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            expected = {"400", "403", "503"}
            if "{" in path or "/stats/" in path or any(p["name"] == "page" for p in operation.get("parameters", [])):
                expected.add("404")
            if method == "post":
                expected |= {"413", "415"}
            declared = operation["responses"]
            missing += [f"{method.upper()} {path}: {code}" for code in sorted(expected - set(declared))]
            for code in expected & set(declared):
                assert declared[code]["content"]["application/json"]["schema"], (path, method, code)
            assert "Retry-After" in declared["503"]["headers"], (path, method)
    assert missing == [], "\n".join(missing)
    # 409 only where the review cycle can refuse (issue 17): the transitions, publications, and uploads.
    conflicts = {(path, method) for path, operations in schema["paths"].items()
                 for method, operation in operations.items() if "409" in operation.get("responses", {})}
    assert conflicts == {
        ("/api/v1/review-status/submit/", "post"), ("/api/v1/review-status/approve/", "post"),
        ("/api/v1/review-status/return/", "post"), ("/api/v1/publications/", "post"),
        ("/api/v1/publications/{id}/reopen/", "post"), ("/api/v1/imports/", "post"),
    }

    response = client.post("/api/v1/classify/", data=b"{}", content_type="application/json",
                           CONTENT_LENGTH=str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))
    assert response.status_code == 413
    assert set(response.json()) == {"detail"} and "quá lớn" in response.json()["detail"]
    assert schema["paths"]["/api/v1/classify/"]["post"]["responses"]["413"]["content"]["application/json"]["schema"] \
        == {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
