"""The OpenAPI document: well formed, complete, and true to what the API answers."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from practice.api.openapi import openapi_document
from practice.booking.models import BookingStatus
from practice.booking.service import FIELD_LIMITS
from tests.factories import make_practitioner, make_service, make_weekly_hours

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
ZONE = "Europe/London"


def resolve(document: dict, ref: str) -> dict:
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def refs_in(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs_in(item)


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def conformance_problems(value, schema: dict, document: dict, where: str = "$") -> list[str]:
    """The ways `value` breaks `schema` (the subset of OpenAPI 3.0 schemas this document uses)."""
    if "$ref" in schema:
        schema = resolve(document, schema["$ref"])
    kind = schema.get("type")
    if value is None and schema.get("nullable"):
        return []
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{where} is not an object"]
        problems = [f"{where} lacks {key}" for key in schema.get("required", []) if key not in value]
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                problems += conformance_problems(item, properties[key], document, f"{where}.{key}")
            elif isinstance(extra, dict):
                problems += conformance_problems(item, extra, document, f"{where}.{key}")
        return problems
    if kind == "array":
        if not isinstance(value, list):
            return [f"{where} is not an array"]
        return [p for i, item in enumerate(value) for p in conformance_problems(item, schema["items"], document, f"{where}[{i}]")]
    if kind == "integer":
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{where} is not an integer"]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where} is not a string"]
        if "enum" in schema and value not in schema["enum"]:
            return [f"{where} is not one of {schema['enum']}"]
        if schema.get("format") == "date-time" and datetime.fromisoformat(value).tzinfo is None:
            return [f"{where} has no offset"]
        return []
    return [f"{where}: schema type {kind!r} not understood"]


def response_schema(document: dict, path: str, method: str, status: int) -> dict:
    response = document["paths"][path][method]["responses"][str(status)]
    return response["content"]["application/json"]["schema"]


def test_document_is_served_as_json_without_a_cookie(client):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == openapi_document()
    assert "Set-Cookie" not in response.headers


def test_document_has_the_openapi_3_skeleton():
    document = openapi_document()

    assert document["openapi"].startswith("3.0.")
    assert document["info"]["title"] and document["info"]["version"]
    assert document["paths"]
    assert all(path.startswith("/") for path in document["paths"])


def test_every_operation_has_an_id_a_summary_and_described_responses():
    document = openapi_document()
    ids = []

    for path, method, operation in operations(document):
        ids.append(operation["operationId"])
        assert operation["summary"], (path, method)
        assert operation["responses"], (path, method)
        for status, response in operation["responses"].items():
            assert status.isdigit() and 100 <= int(status) <= 599, (path, status)
            assert response["description"], (path, status)

    assert len(ids) == len(set(ids))


def test_every_ref_resolves():
    document = openapi_document()

    for ref in refs_in(document):
        assert isinstance(resolve(document, ref), dict), ref


def test_every_schema_lists_required_keys_among_its_properties():
    for name, schema in openapi_document()["components"]["schemas"].items():
        assert set(schema.get("required", [])) <= set(schema.get("properties", {})), name


def test_parameters_are_well_formed():
    for path, method, operation in operations(openapi_document()):
        for parameter in operation.get("parameters", []):
            assert parameter["in"] in {"query", "path", "header", "cookie"}, parameter
            assert parameter["name"] and "schema" in parameter, parameter
            if parameter["in"] == "path":
                assert parameter["required"] is True and f"{{{parameter['name']}}}" in path


def test_document_covers_exactly_the_versioned_api_routes(app):
    documented = {(path, method.upper()) for path, method, _ in operations(openapi_document())}
    served = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }

    assert documented == served


def test_booking_request_limits_are_the_ones_the_service_enforces():
    properties = openapi_document()["components"]["schemas"]["BookingRequest"]["properties"]

    for field, limit in FIELD_LIMITS.items():
        if field in properties:
            assert properties[field]["maxLength"] == limit, field
    assert set(properties) - {"service", "start"} <= set(FIELD_LIMITS)


def test_booking_status_enum_is_every_booking_status():
    status = openapi_document()["components"]["schemas"]["Booking"]["properties"]["status"]

    assert set(status["enum"]) == {s.value for s in BookingStatus}


@pytest.fixture
def offer(any_app):
    with any_app.app_context():
        practitioner = make_practitioner(timezone=ZONE)
        make_weekly_hours(practitioner)
        return make_service(practitioner).id


def test_real_answers_match_their_documented_schemas(any_app, offer):
    """On SQLite and PostgreSQL: the answers are built from what each database gives back."""
    client = any_app.test_client()
    document = openapi_document()
    day = (datetime.now(ZoneInfo(ZONE)) + timedelta(days=2)).date().isoformat()
    slots_query = {"service": offer, "start": day, "end": day, "tz": ZONE}
    services = client.get("/api/v1/services")
    slots = client.get("/api/v1/slots", query_string=slots_query)
    start = slots.get_json()["slots"][0]["start"]
    request_body = {"service": offer, "start": start, "name": "Jo", "email": "jo@example.org", "timezone": ZONE}
    assert not conformance_problems(request_body, document["components"]["schemas"]["BookingRequest"], document)
    answers = [
        ("/api/v1/services", "get", services),
        ("/api/v1/slots", "get", slots),
        ("/api/v1/slots", "get", client.get("/api/v1/slots", query_string=slots_query | {"tz": "Mars/Olympus"})),
        ("/api/v1/slots", "get", client.get("/api/v1/slots", query_string=slots_query | {"service": 99999})),
        ("/api/v1/bookings", "post", client.post("/api/v1/bookings", json=request_body)),
        ("/api/v1/bookings", "post", client.post("/api/v1/bookings", json=request_body)),
        ("/api/v1/bookings", "post", client.post("/api/v1/bookings", json=request_body | {"email": "x"})),
        ("/api/v1/bookings", "post", client.post("/api/v1/bookings", json=request_body | {"service": 99999})),
        ("/api/v1/bookings", "post", client.post("/api/v1/bookings", json=[request_body])),
    ]

    statuses = []
    for path, method, answer in answers:
        statuses.append(answer.status_code)
        schema = response_schema(document, path, method, answer.status_code)
        assert not conformance_problems(answer.get_json(), schema, document), (path, answer.status_code)
    assert statuses == [200, 200, 400, 404, 201, 409, 422, 404, 400]
