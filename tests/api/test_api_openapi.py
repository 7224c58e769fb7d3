"""openapi.json: served without credentials, generated from the routes, every path in it."""

from __future__ import annotations

import json

# The rows of API.md's tables that exist so far.
IMPLEMENTED = {
    ("put", "/api/v1/orders/{number}"),
    ("get", "/api/v1/orders/{number}"),
    ("post", "/api/v1/orders/{number}/buyer-link"),
    ("post", "/api/v1/orders/{number}/shipments"),
    ("post", "/api/v1/shipments/{shipment_id}/events"),
    ("get", "/api/v1/policy"),
    ("patch", "/api/v1/policy"),
    ("post", "/api/v1/buyer/sessions"),
    ("get", "/api/v1/buyer/orders"),
    ("get", "/api/v1/buyer/orders/{number}"),
    ("get", "/api/v1/refunds"),
    ("get", "/api/v1/customers/{email}/store-credit"),
    ("post", "/api/v1/customers/{email}/store-credit"),
    ("get", "/api/v1/openapi.json"),
}


def fetch(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def operations(document: dict):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def test_the_document_is_openapi_3_1_and_lists_every_implemented_path(client):
    document = fetch(client)
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"]
    assert {(method, path) for method, path, _op in operations(document)} >= IMPLEMENTED


def test_every_api_route_is_in_the_document_and_documented(app, client):
    document = fetch(client)
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        assert getattr(app.view_functions[rule.endpoint], "openapi", None), f"{rule.rule} lacks @document"
        path = rule.rule.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][path], (method, path)


def test_credentials_are_described(client):
    document = fetch(client)
    schemes = document["components"]["securitySchemes"]
    assert schemes["merchantKey"] == {**schemes["merchantKey"], "type": "http", "scheme": "bearer"}
    assert schemes["buyerToken"]["scheme"] == "bearer"
    paths = document["paths"]
    assert paths["/api/v1/orders/{number}"]["put"]["security"] == [{"merchantKey": []}]
    assert paths["/api/v1/buyer/orders"]["get"]["security"] == [{"buyerToken": []}]
    assert paths["/api/v1/buyer/sessions"]["post"]["security"] == []
    assert paths["/api/v1/openapi.json"]["get"]["security"] == []
    assert "401" in paths["/api/v1/orders/{number}"]["get"]["responses"]


def test_request_and_answer_schemas_come_from_the_models(client):
    document = fetch(client)
    schemas = document["components"]["schemas"]
    put = document["paths"]["/api/v1/orders/{number}"]["put"]
    body_ref = put["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    order_in = schemas[body_ref.rsplit("/", 1)[1]]
    assert {"placed_at", "currency", "customer", "items", "shipping", "payment"} <= set(order_in["required"])
    assert set(put["responses"]) >= {"200", "201", "400", "401", "404", "415", "422"}
    answer_ref = put["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    assert {"items", "payment", "shipments", "returns", "claims", "refunds", "plan"} <= set(
        schemas[answer_ref.rsplit("/", 1)[1]]["properties"]
    )
    sessions = document["paths"]["/api/v1/buyer/sessions"]["post"]
    assert "Retry-After" in sessions["responses"]["429"]["headers"]
    policy = schemas["PolicyPatch"]["properties"]["instalments"]["properties"]
    assert policy["nominal_rate"]["type"] == "string"


def test_every_reference_resolves(client):
    document = fetch(client)

    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    found = set(refs(document))
    assert found
    for ref in found:
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in document["components"]["schemas"], ref


def test_every_tag_used_by_an_operation_is_described(client):
    document = client.get("/api/v1/openapi.json").get_json()
    described = {tag["name"] for tag in document["tags"]}
    used = {
        tag for path in document["paths"].values() for operation in path.values() for tag in operation.get("tags", [])
    }
    assert used <= described
