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
