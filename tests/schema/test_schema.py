"""The OpenAPI schema made from the code: valid, complete, and served with its docs page.

Completeness is checked against API.md's list of endpoints; that every response really
matches the schema is the fuzz test's job (test_fuzz_api.py).
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from django.test import Client
from django.urls import get_resolver

from .conftest import COMMITTED_SCHEMA

# API.md, plus what it mentions by name: every operation the schema must describe.
API_OPERATIONS = {
    ("GET", "/api/me"),
    ("GET", "/api/products/"),
    ("GET", "/api/orders/"),
    ("POST", "/api/orders/"),
    ("GET", "/api/orders/{order_id}/"),
    ("GET", "/api/orders/{order_id}/journey"),
    ("POST", "/api/orders/{order_id}/confirm"),
    ("POST", "/api/orders/{order_id}/ship"),
    ("POST", "/api/orders/{order_id}/deliver"),
    ("POST", "/api/orders/{order_id}/cancel"),
    ("GET", "/api/analytics/"),
    ("GET", "/api/ops/lag"),
    ("GET", "/api/ops/health"),
    ("GET", "/api/ops/demo"),
    ("PUT", "/api/ops/demo"),
    ("GET", "/api/ops/dead-letters"),
    ("POST", "/api/ops/dead-letters/replay"),
    ("GET", "/metrics"),
    ("GET", "/healthz"),
}
COMMANDS = {op for op in API_OPERATIONS if op[0] == "POST" and op[1].startswith("/api/orders/")}
QUERIES = {
    ("GET", "/api/orders/"),
    ("GET", "/api/orders/{order_id}/"),
    ("GET", "/api/analytics/"),
}


@pytest.fixture(scope="module")
def schema(generated_schema) -> dict:
    return yaml.safe_load(generated_schema.read_text())


def operations(schema: dict) -> dict[tuple[str, str], dict]:
    return {
        (method.upper(), path): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def response_schema(schema: dict, operation: dict, status: int) -> dict:
    content = operation["responses"][str(status)]["content"]
    return resolve(schema, content["application/json"]["schema"])


def test_the_schema_generates_and_validates_without_a_warning(generated_schema):
    """`manage.py spectacular --validate --fail-on-warn` (the fixture) raises on any warning
    or error of drf-spectacular, and on a schema that is not valid OpenAPI."""
    assert generated_schema.read_text().startswith("openapi: 3.0.3\n")


def test_the_schema_describes_every_endpoint_of_the_contract_once(schema):
    assert set(operations(schema)) == API_OPERATIONS


def test_every_api_url_of_the_url_conf_is_in_the_schema(schema):
    """A route added to config/urls.py without a description fails here (or, for a DRF view,
    as a schema warning): the docs page and the frontend types would silently miss it."""
    described = {re.sub(r"\{\w+\}", "X", path).rstrip("/") for path in schema["paths"]}
    undocumented = {"/api/schema", "/api/docs"}
    for pattern in get_resolver().url_patterns:
        route = "/" + str(pattern.pattern)
        if route.startswith("/api/") and route.rstrip("/") not in undocumented:
            assert re.sub(r"<[\w:]+>", "X", route).rstrip("/") in described, route


@pytest.mark.parametrize("operation", sorted(COMMANDS))
def test_commands_describe_their_body_header_answer_and_every_refusal(schema, operation):
    described = operations(schema)[operation]
    assert described["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    headers = {p["name"] for p in described["parameters"] if p["in"] == "header"}
    assert "Idempotency-Key" in headers
    success = 201 if operation[1] == "/api/orders/" else 200
    expected = {success, 400, 403, 409, 413, 422, 429} | ({404} if success == 200 else set())
    assert {int(status) for status in described["responses"]} == expected
    answer = response_schema(schema, described, success)
    assert set(answer["required"]) == {"order", "seq", "consistencyToken"}
    assert described["security"] == [{"cookieAuth": [], "csrfToken": []}]


@pytest.mark.parametrize("operation", sorted(QUERIES))
def test_queries_describe_freshness_metadata_and_read_your_writes(schema, operation):
    described = operations(schema)[operation]
    params = {p["name"]: p["schema"] for p in described["parameters"] if p["in"] == "query"}
    assert params["waitMs"]["minimum"] == 0 and params["waitMs"]["maximum"] == 5000
    assert "consistencyToken" in params
    answer = response_schema(schema, described, 200)
    assert answer["properties"]["metadata"]["$ref"].endswith("/Metadata")
    assert described["security"] == [{"cookieAuth": []}]


def test_the_order_list_parameters_and_page(schema):
    described = operations(schema)[("GET", "/api/orders/")]
    params = {p["name"]: p["schema"] for p in described["parameters"]}
    assert params["pageSize"]["maximum"] == 100
    assert set(params["status"]["enum"]) == {
        "pending",
        "confirmed",
        "shipped",
        "delivered",
        "cancelled",
    }
    assert set(params["ordering"]["enum"]) == {"createdAt", "-createdAt"}
    assert {"q", "page"} <= set(params)
    page = response_schema(schema, described, 200)
    assert set(page["required"]) == {"results", "count", "next", "previous", "metadata"}


def test_metadata_and_the_error_envelope(schema):
    components = schema["components"]["schemas"]
    metadata = components["Metadata"]
    assert set(metadata["properties"]) == {
        "readModel",
        "dataAsOf",
        "lagMs",
        "maxLagSeconds",
        "stale",
        "consistencyTokenReached",
        "completeness",
        "streamPosition",
        "reached",
    }
    assert "consistencyTokenReached" not in metadata["required"]
    assert {"completeness", "streamPosition"} <= set(metadata["required"])
    assert metadata["properties"]["dataAsOf"]["format"] == "date-time"
    assert components["ErrorResponse"]["required"] == ["error"]
    body = components["ErrorBody"]
    assert {"code", "message", "fields", "currentStatus", "currentSeq"} <= set(body["properties"])
    assert set(body["required"]) == {"code", "message"}
    assert "fields" in components["ValidationErrorBody"]["required"]


def test_the_staff_endpoints_require_a_session_and_the_probes_do_not(schema):
    for (method, path), described in operations(schema).items():
        if path in ("/healthz", "/metrics"):
            assert described["security"] == []
        else:
            assert described["security"], (method, path)
            assert "403" in described["responses"], (method, path)


def test_the_committed_schema_is_served_as_yaml_and_as_json(db):
    client = Client()
    committed = yaml.safe_load(COMMITTED_SCHEMA.read_text())

    as_yaml = client.get("/api/schema/")
    assert as_yaml.status_code == 200
    assert as_yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(as_yaml.content) == committed

    by_query = client.get("/api/schema/?format=json")
    by_accept = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    for response in (by_query, by_accept):
        assert response.status_code == 200
        assert "json" in response["Content-Type"]
        assert json.loads(response.content) == committed


def test_the_docs_page_loads_swagger_ui_from_static_without_inline_code(db):
    client = Client()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    assert "<style" not in html and "style=" not in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(s.startswith("/static/drf_spectacular_sidecar/") for s in sources)

    start_up = next(s for s in sources if "script" in s and not s.startswith("/static/"))
    script = client.get(start_up)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
