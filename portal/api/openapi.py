"""The OpenAPI 3.1 document, generated from the code.

Each view carries an ``Operation`` (set by ``@document``) and, through ``merchant_required`` /
``buyer_required``, the credentials it takes. ``build`` walks the app's URL map, so every
route under the API appears with its path parameters, methods, request schema (the pydantic
models the services validate with), answers and error answers. Summaries are for integrators'
developers and stay in English.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from portal.api.schemas import ErrorOut
from portal.merchants.policy import DEFAULT_POLICY

REF = "#/components/schemas/{model}"
_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass(frozen=True)
class NamedSchema:
    """A JSON schema written by hand (for documents that no pydantic model describes)."""

    name: str
    schema: dict


Schema = type[BaseModel] | NamedSchema | None


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    description: str = ""
    body: Schema = None
    # multipart/form-data for uploads (the body is then a NamedSchema of the form's fields).
    body_media_type: str = "application/json"
    responses: dict[int, tuple[str, Schema]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    headers: dict[int, dict[str, dict]] = field(default_factory=dict)
    # Query and header parameters (OpenAPI parameter objects; path parameters come from the route).
    parameters: tuple[dict, ...] = ()
    # Credentials other than the API key or buyer token (a SECURITY_SCHEMES name), e.g. a webhook's.
    security: str | None = None
    # False for a body the view reads raw (a webhook's): the JSON body errors do not apply to it.
    json_body_errors: bool = True
    # False when the body may be left out (the view then takes its defaults).
    body_required: bool = True


def query(name: str, schema: dict, description: str = "") -> dict:
    """An optional query parameter, as ``Operation.parameters`` takes it."""
    parameter = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


CURSOR = query("cursor", {"type": "string"}, "The `next` of the page before.")


def document(
    summary: str,
    *,
    tag: str,
    responses: dict[int, tuple[str, Schema]],
    body: Schema = None,
    body_media_type: str = "application/json",
    description: str = "",
    errors: dict[int, str] | None = None,
    headers: dict[int, dict[str, dict]] | None = None,
    parameters: tuple[dict, ...] = (),
    security: str | None = None,
    json_body_errors: bool = True,
    body_required: bool = True,
) -> Callable[[Callable], Callable]:
    """Describe a view for openapi.json. Errors that follow from the route (401 for
    credentials, 404 for path ids, 400/415/422 for a body, 400 for a NUL character) are added by ``build``."""

    def decorate(view: Callable) -> Callable:
        view.openapi = Operation(
            summary=summary,
            tag=tag,
            description=description,
            body=body,
            body_media_type=body_media_type,
            responses=responses,
            errors=errors or {},
            headers=headers or {},
            parameters=parameters,
            security=security,
            json_body_errors=json_body_errors,
            body_required=body_required,
        )
        return view

    return decorate


SECURITY_SCHEMES = {
    "merchantKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "A merchant API key (apuri_…), made with `flask merchants create-api-key` "
        "or in the merchant console. It sees its own shop only.",
    },
    "buyerToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "A buyer token from POST /api/v1/buyer/sessions. It sees that buyer's orders at that shop only.",
    },
    "inboundSecret": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Inbound-Secret",
        "description": "The INBOUND_EMAIL_SECRET setting, sent by the mail server.",
    },
}
_SECURITY = {"merchant": [{"merchantKey": []}], "buyer": [{"buyerToken": []}], None: []}

_STANDARD_ERRORS = {
    400: "The body is not valid JSON, or not a JSON object; or a NUL character in the path, query or form.",
    401: "No credentials, or not valid for this endpoint.",
    404: "Not found, or not visible to these credentials.",
    413: "The body is too large.",
    415: "The body is not application/json.",
    422: "Validation failed; `fields` names each problem by its dotted path.",
}


# -- the policy document (validated by portal.merchants.policy, which has no model) -----------

_POLICY_FIELDS: dict[str, dict] = {
    "returns.non_returnable_skus": {"type": "array", "items": {"type": "string"}},
    "returns.non_returnable_categories": {"type": "array", "items": {"type": "string"}},
    "returns.return_address": {
        "type": ["object", "null"],
        "properties": {k: {"type": "string"} for k in ("name", "street", "postal_code", "city", "country")},
    },
    "returns.reasons": {
        "type": "array",
        "description": "The shop's own reasons beside the standard ones.",
        "items": {
            "type": "object",
            "required": ["code"],
            "properties": {
                "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,39}$"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
    },
    "sla.business_hours": {
        "type": ["object", "null"],
        "properties": {
            "days": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 7}},
            "start": {"type": "string", "examples": ["08:00"]},
            "end": {"type": "string", "examples": ["16:00"]},
        },
    },
    "sla.holidays": {
        "type": "array",
        "maxItems": 100,
        "description": "Days the desk is closed all day (with business hours).",
        "items": {"type": "string", "format": "date"},
    },
    "instalments.months": {"type": "array", "items": {"type": "integer", "minimum": 2, "maximum": 60}},
}


def _policy_field(path: str, default: Any) -> dict:
    if path in _POLICY_FIELDS:
        return _POLICY_FIELDS[path]
    if isinstance(default, bool):
        return {"type": "boolean"}
    if isinstance(default, int):
        return {"type": "integer", "minimum": 0}
    if isinstance(default, str):
        return {"type": "string", "description": "Percent, as a decimal string.", "examples": [default]}
    return {}


def _policy_schema(*, patch: bool) -> dict:
    sections = {}
    for section, defaults in DEFAULT_POLICY.items():
        properties = {name: _policy_field(f"{section}.{name}", value) for name, value in defaults.items()}
        sections[section] = {"type": "object", "properties": properties, "additionalProperties": False}
        if not patch:
            sections[section]["required"] = list(properties)
    schema = {"type": "object", "properties": sections, "additionalProperties": False}
    if patch:
        schema["description"] = "Only the settings to change; the rest of the document stays."
    else:
        schema["required"] = list(sections)
    return schema


POLICY = NamedSchema("Policy", _policy_schema(patch=False))
POLICY_PATCH = NamedSchema("PolicyPatch", _policy_schema(patch=True))


# -- building the document -------------------------------------------------------------------

# A route someone forgot to @document still appears (tests/api catch the omission).
_UNDOCUMENTED = Operation(summary="Undocumented", tag="meta")


def _openapi_path(rule) -> str:
    """/api/v1/orders/<number> -> /api/v1/orders/{number}"""
    return _ARGUMENT.sub(r"{\1}", rule.rule)


def _api_views(app: Flask):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.startswith("api."):
            yield rule, app.view_functions[rule.endpoint]


def _schemas(operations: list[Operation]) -> tuple[dict, dict]:
    """Every model's JSON schema under components, and a map from model to its $ref."""
    models: dict[tuple[type[BaseModel], str], None] = {(ErrorOut, "serialization"): None}
    named: dict[str, dict] = {}
    for operation in operations:
        if isinstance(operation.body, type):
            models[(operation.body, "validation")] = None
        for _description, schema in operation.responses.values():
            if isinstance(schema, type):
                models[(schema, "serialization")] = None
        for schema in (operation.body, *(s for _d, s in operation.responses.values())):
            if isinstance(schema, NamedSchema):
                named[schema.name] = schema.schema
    refs, definitions = models_json_schema(list(models), ref_template=REF)
    components = {**definitions.get("$defs", {}), **named}
    return {model: ref for (model, _mode), ref in refs.items()}, components


def _ref(schema: Schema, refs: dict) -> dict:
    if isinstance(schema, NamedSchema):
        return {"$ref": REF.format(model=schema.name)}
    return refs[schema]


def _operation(endpoint: str, rule, view, operation: Operation, refs: dict) -> dict:
    auth = getattr(view, "api_auth", None)
    spec: dict[str, Any] = {
        "operationId": endpoint.removeprefix("api."),
        "summary": operation.summary,
        "tags": [operation.tag],
        "security": [{operation.security: []}] if operation.security else _SECURITY[auth],
    }
    if operation.description:
        spec["description"] = operation.description
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in sorted(rule.arguments)
    ]
    parameters.extend(operation.parameters)
    if parameters:
        spec["parameters"] = parameters
    # The app refuses a NUL character anywhere in the path, the query or a form before any view.
    errors: dict[int, str] = {400: "A NUL character in the path or the query."}
    if auth or operation.security:
        errors[401] = _STANDARD_ERRORS[401]
    if rule.arguments:
        errors[404] = _STANDARD_ERRORS[404]
    if operation.body is not None:
        media_type = operation.body_media_type
        spec["requestBody"] = {
            "required": operation.body_required,
            "content": {media_type: {"schema": _ref(operation.body, refs)}},
        }
        if operation.json_body_errors and media_type == "application/json":
            errors.update({status: _STANDARD_ERRORS[status] for status in (400, 413, 415, 422)})
        elif operation.json_body_errors:
            errors.update(
                {
                    400: "A NUL character in the path, the query or the form.",
                    413: _STANDARD_ERRORS[413],
                    415: f"The body is not {media_type}.",
                    422: _STANDARD_ERRORS[422],
                }
            )
    errors.update(operation.errors)
    responses: dict[str, Any] = {}
    for status, (description, schema) in sorted(operation.responses.items()):
        responses[str(status)] = {"description": description}
        if schema is not None:
            responses[str(status)]["content"] = {"application/json": {"schema": _ref(schema, refs)}}
    error_schema = {"application/json": {"schema": refs[ErrorOut]}}
    for status, description in sorted(errors.items()):
        responses[str(status)] = {"description": description, "content": error_schema}
    for status, headers in operation.headers.items():
        responses[str(status)]["headers"] = headers
    spec["responses"] = responses
    return spec


def build(app: Flask) -> dict:
    """The whole document for this app: one entry per API route and method."""
    views = [(rule, view, getattr(view, "openapi", None) or _UNDOCUMENTED) for rule, view in _api_views(app)]
    refs, components = _schemas([operation for _rule, _view, operation in views])
    paths: dict[str, dict] = {}
    for rule, view, operation in views:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(_openapi_path(rule), {})[method.lower()] = _operation(
                rule.endpoint, rule, view, operation, refs
            )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Apuri API",
            "version": "1",
            "description": "The post-purchase self-service portal's JSON API. Money is "
            '{"amount": <minor units>, "currency": "EUR"}; times are ISO 8601 with offset; '
            'errors are {"error": {"code", "message", "fields"}} with the message in the '
            "language of Accept-Language (fi, sv, da, nb, is, en).",
        },
        "servers": [{"url": app.config["PUBLIC_BASE_URL"].rstrip("/")}],
        "tags": [
            {"name": "orders", "description": "The shop's orders, shipments and tracking."},
            {"name": "policy", "description": "The shop's policy document."},
            {"name": "payments", "description": "Refunds and store credit: the ledger of money going back."},
            {"name": "webhooks", "description": "Events from payment providers, verified by signature."},
            {"name": "buyers", "description": "What a buyer sees and does, with a buyer token."},
            {"name": "meta", "description": "This document."},
        ],
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": SECURITY_SCHEMES},
    }
