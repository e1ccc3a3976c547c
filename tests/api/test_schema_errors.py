"""The error answers every operation can give are in the OpenAPI schema clients generate from."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
OPERATIONS = [
    (method.upper(), path, operation)
    for path, methods in SCHEMA["paths"].items()
    for method, operation in methods.items()
]


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=lambda v: str(v))
def test_every_operation_documents_the_shared_refusals(method, path, operation):
    responses = operation["responses"]
    assert {"401", "403", "429"} <= set(responses)
    assert ("404" in responses) == ("{" in path)
    if "requestBody" in operation:
        assert "400" in responses


def test_refusals_from_the_api_itself_name_their_body():
    forbidden = SCHEMA["paths"]["/api/thrive/connections/{id}/"]["get"]["responses"]["403"]
    schema = forbidden["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ErrorDetail"}
    assert SCHEMA["components"]["schemas"]["ErrorDetail"]["required"] == ["detail"]
    assert "400" in SCHEMA["paths"]["/api/thrive/contacts/"]["get"]["responses"]


def test_a_404_names_its_body_and_a_400_admits_every_shape_it_takes():
    responses = SCHEMA["paths"]["/api/thrive/connections/{id}/"]["patch"]["responses"]
    not_found = responses["404"]["content"]["application/json"]["schema"]
    invalid = responses["400"]["content"]["application/json"]["schema"]

    assert not_found == {"$ref": "#/components/schemas/ErrorDetail"}
    assert invalid["type"] == "object"
    assert invalid["additionalProperties"] == {}
    assert "detail" in invalid["properties"]
    assert "detail" in invalid["description"] and "field" in invalid["description"]


def test_a_list_can_be_refused_for_its_cursor_and_choices_for_its_connection():
    paths = SCHEMA["paths"]
    assert "400" in paths["/api/thrive/connections/"]["get"]["responses"]
    choices = paths["/api/thrive/applications/choices/"]["get"]
    assert "400" in choices["responses"]
    (connection,) = [p for p in choices["parameters"] if p["name"] == "connection"]
    assert connection["required"] is True
    assert "400" not in paths["/api/thrive/pipeline-stages/"]["get"]["responses"]


@pytest.mark.parametrize(
    ("path", "method", "body"),
    [
        ("/api/thrive/connections/{id}/schedule/", "patch", "ErrorDetail"),
        ("/api/thrive/outbox/{id}/retry/", "post", "ErrorDetail"),
        ("/api/thrive/connections/{id}/sync/", "post", "Conflict"),
    ],
)
def test_a_conflict_names_its_body(path, method, body):
    conflict = SCHEMA["paths"][path][method]["responses"]["409"]

    schema = conflict["content"]["application/json"]["schema"]
    assert schema == {"$ref": f"#/components/schemas/{body}"}


def test_id_filters_are_documented_as_the_ids_they_accept():
    id_filters = [
        parameter["schema"]
        for _, path, operation in OPERATIONS
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter["name"] in ("connection", "profile")
    ]
    assert id_filters
    assert all(schema["type"] == "integer" and schema["minimum"] == 1 for schema in id_filters)
