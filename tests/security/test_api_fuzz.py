"""The API fuzzed with schemathesis against the project's own OpenAPI schema (/api/schema/): no 5xx.

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

EXAMPLES_PER_OPERATION = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "40"))  # per operation and mode


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
def test_no_operation_answers_a_server_error(wsgi_app, people, registry):
    token = Token.objects.create(user=people["staff"])
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    examples = 0
    server_errors: list[str] = []

    def fuzz(operation, mode):
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def run(case):
            nonlocal examples
            examples += 1
            response = case.call(headers=headers)
            if response.status_code >= 500:
                server_errors.append(
                    f"{operation.method.upper()} {operation.path} → {response.status_code}: {case.as_curl_command()}"
                )

        try:
            run()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing in this operation can be made invalid

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation, mode)
    print(f"schemathesis: {examples} examples over {len(operations)} operations, {len(server_errors)} server errors")
    assert examples >= len(operations) * 5
    assert server_errors == [], "\n".join(server_errors[:20])


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
