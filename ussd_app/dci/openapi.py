"""The partner API's OpenAPI document, made from the code: each /dci/ view declares itself with
`@documented(…)`, the paths come from the app's URL map, the scopes from `Scope`, the purposes
from `PURPOSES`, the query attributes from `queries.ATTRIBUTES` and the event types from
`EventKind`. Served at /dci/openapi.json; /dci/docs shows it with Swagger UI, served from the
swagger-ui-bundle package (no CDN).

The schemas follow DCI's (registry_core_api_v1.0.0.yaml and the profiles), narrowed to what LSSO
answers; README's "Where we differ" lists the deliberate differences.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask

from ussd_app.dci import queries, records
from ussd_app.dci.models import Scope
from ussd_app.dci.purposes import PURPOSES
from ussd_app.events.models import EventKind

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Operation:
    summary: str
    description: str
    tag: str  # Sync, Async, Auth
    scopes: tuple[str, ...] = ()  # any one of them will do; () : no bearer token
    request: str | None = None  # the message schema (in a signed envelope) or a form
    response: str | None = None  # the answer's message schema; None: the ACK
    callback: tuple[str, str] | None = None  # (the partner's path, the message schema posted to it)
    form: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


OPERATIONS: dict[str, Operation] = {}  # view function name -> how it is documented


def documented(operation: Operation) -> Callable[[F], F]:
    def mark(view: F) -> F:
        OPERATIONS[view.__name__] = operation
        return view

    return mark


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _envelope(header: str, message: str | None, required_message: bool = True) -> dict[str, Any]:
    props: dict[str, Any] = {"signature": _ref("MsgSignature"), "header": _ref(header)}
    if message:
        props["message"] = _ref(message)
    return {"type": "object", "properties": props,
            "required": ["header", "message"] if message and required_message else ["header"]}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


ERRORS = {str(code): {"description": what, **_json(_ref("HttpError"))} for code, what in (
    (400, "not a DCI envelope, or a query LSSO cannot read"), (401, "no valid bearer token, or a bad signature"),
    (403, "a scope, sender_id or callback address this partner may not use"),
    (409, "a transaction_id used before"), (429, "over this partner's rate limit"))}


def _operation(name: str, op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {"operationId": name, "summary": op.summary, "description": op.description,
                           "tags": [op.tag]}
    if op.form:
        out["requestBody"] = {"required": True, "content": {"application/x-www-form-urlencoded": {
            "schema": _ref(op.request or "")}}}
    elif op.request:
        out["requestBody"] = {"required": True, **_json(_envelope("MsgHeader", op.request))}
    if op.scopes:
        out["security"] = [{"bearer": []}, {"oauth2": list(op.scopes)}]
    answer = _json(_envelope("MsgCallbackHeader", op.response, required_message=False)) if op.response \
        else _json(_envelope("MsgCallbackHeader", "Ack"))
    if op.extra.get("response_schema"):
        answer = _json(_ref(op.extra["response_schema"]))
    out["responses"] = {"200": {"description": "answered (a refused message has a header with status rjct, "
                                               "and no message)" if op.response else "acknowledged", **answer},
                        **({} if not op.scopes else ERRORS)}
    if op.callback:
        path, schema = op.callback
        out["callbacks"] = {path: {f"{{$request.body#/header/sender_uri}}{path}": {"post": {
            "summary": f"LSSO posts the answer to the partner's {path}, signed, with a bearer JWT of its own",
            "requestBody": {"required": True, **_json(_envelope("MsgCallbackHeader", schema, False))},
            "responses": {"200": {"description": "taken (any 2xx); 408, 429 or 5xx: tried again later"}}}}}}
    return out


def _string_enum(values: list[str], description: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string", "enum": values}
    if description:
        out["description"] = description
    return out


def schemas() -> dict[str, Any]:
    attributes = sorted([*queries.ATTRIBUTES, "age"])
    timestamp = {"type": "string", "format": "date-time"}
    header: dict[str, Any] = {
        "type": "object", "required": ["message_id", "message_ts", "action", "sender_id", "total_count"],
        "properties": {"version": {"type": "string", "default": "1.0.0"},
                             "message_id": {"type": "string", "maxLength": 99},
                             "message_ts": timestamp, "action": {"type": "string"},
                             "sender_id": {"type": "string", "description": "the partner's registered name"},
                             "sender_uri": {"type": "string", "format": "uri",
                                            "description": "where callbacks go: under the URL registered for "
                                                           "the partner, or it is refused"},
                             "receiver_id": {"type": "string", "example": "lsso.gov.la"},
                             "total_count": {"type": "integer", "minimum": 0},
                             "is_msg_encrypted": {"type": "boolean", "enum": [False]}}}
    callback_header = {**header, "required": ["message_id", "message_ts", "action", "status", "total_count"],
                       "properties": {**header["properties"],
                                      "status": _string_enum(["rcvd", "pdng", "succ", "rjct"]),
                                      "status_reason_code": {"type": "string"},
                                      "status_reason_message": {"type": "string", "maxLength": 999},
                                      "completed_count": {"type": "integer"}}}
    purpose = {"type": "object", "properties": {"purpose": {"type": "object", "properties": {
        "code": _string_enum(list(PURPOSES), "; ".join(f"{c}: {p.what}" for c, p in PURPOSES.items()))}}}}
    criteria = {"type": "object", "required": ["query_type", "query"], "properties": {
        "reg_type": _string_enum([records.REGISTRY_TYPE]), "reg_record_type": _string_enum([records.RECORD_TYPE]),
        "query_type": _string_enum(["idtype-value", "predicate", "expression"]),
        "query": {"oneOf": [_ref("IdTypeValue"), _ref("Predicates"), _ref("Expression")]},
        "sort": {"type": "array", "items": {"type": "object", "properties": {
            "attribute_name": _string_enum(list(queries.SORTABLE)), "sort_order": _string_enum(["asc", "desc"])}}},
        "pagination": {"type": "object", "properties": {"page_size": {"type": "integer", "minimum": 1},
                                                        "page_number": {"type": "integer", "minimum": 1}}},
        "consent": purpose, "authorize": purpose}}
    predicate = {"type": "object", "required": ["attribute_name", "operator", "attribute_value"], "properties": {
        "attribute_name": _string_enum(attributes), "operator": _string_enum(list(queries.OPERATORS)),
        "attribute_value": {}}}
    member = {"type": "object", "description": "Only the parts the partner's purpose and scopes allow.",
              "properties": {
                  "@type": _string_enum([records.RECORD_TYPE]),
                  "identifier": {"type": "array", "items": {"type": "object", "properties": {
                      "identifier_type": _string_enum(["SSN", "UIN"]), "identifier_value": {"type": "string"}}}},
                  "name": {"type": "object", "properties": {"given_name": {"type": "string"},
                                                            "sur_name": {"type": "string"}}},
                  "sex": _string_enum(["male", "female", "unknown"]), "birthdate": {"type": "string", "format": "date"},
                  "enrolment": {"type": "object", "properties": {
                      "scheme": {"type": "string"}, "status": {"type": "string"},
                      "registered_on": {"type": "string", "format": "date", "nullable": True},
                      "province": {"type": "string", "nullable": True},
                      "district": {"type": "string", "nullable": True}}},
                  "eligibility": {"type": "array", "description": f"needs {Scope.ELIGIBILITY.value}",
                                  "items": {"type": "object", "properties": {
                                      "benefit": {"type": "string"}, "name": {"type": "string"},
                                      "eligible": {"type": "boolean"}, "months_paid": {"type": "integer"},
                                      "months_missing": {"type": "integer"},
                                      "from_age": {"type": "integer", "nullable": True}}}},
                  "contributions": {"type": "object", "description": f"needs {Scope.CONTRIBUTIONS.value}",
                                    "properties": {"months_paid": {"type": "integer"},
                                                   "last_period_paid": {"type": "string", "nullable": True},
                                                   "months_paid_last_6": {"type": "integer"},
                                                   "months_paid_last_12": {"type": "integer"},
                                                   "in_arrears": {"type": "boolean"}}}}}
    item_answer = {"reference_id": {"type": "string"}, "timestamp": timestamp,
                   "status": _string_enum(["succ", "rjct"]), "status_reason_code": {"type": "string"},
                   "status_reason_message": {"type": "string"}}
    reg_records: dict[str, Any] = {"type": "object", "properties": {"purpose": {"type": "string"},
                                                    "records": {"type": "array", "items": _ref("LssoMember")}}}
    events = [f"lsso:RegistryEventType:{kind.value}" for kind in EventKind]
    return {
        "MsgSignature": {"type": "string", "description": "Ed25519 over a digest of the canonical JSON of header "
                                                          "and message (README, Partner API)"},
        "MsgHeader": header, "MsgCallbackHeader": callback_header,
        "HttpError": {"type": "object", "properties": {"errors": {"type": "array", "items": {"type": "object",
                      "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}},
        "Ack": {"type": "object", "required": ["ack_status", "timestamp", "correlation_id"], "properties": {
            "ack_status": _string_enum(["ACK", "NACK", "ERR"]), "timestamp": timestamp,
            "correlation_id": {"type": "string"}}},
        "TokenRequest": {"type": "object", "required": ["grant_type", "client_id", "client_secret"], "properties": {
            "grant_type": _string_enum(["client_credentials"]), "client_id": {"type": "string"},
            "client_secret": {"type": "string"}, "scope": {"type": "string"}}},
        "TokenResponse": {"type": "object", "properties": {"access_token": {"type": "string"},
                                                           "token_type": _string_enum(["Bearer"]),
                                                           "expires_in": {"type": "integer"},
                                                           "scope": {"type": "string"}}},
        "Jwks": {"type": "object", "properties": {"keys": {"type": "array", "items": {"type": "object"}}}},
        "IdTypeValue": {"type": "object", "required": ["type", "value"], "properties": {
            "type": _string_enum(list(queries.ID_TYPES)), "value": {"type": "string"}}},
        "Predicates": {"type": "array", "items": {"type": "object", "properties": {
            "seq_num": {"type": "integer"}, "expression1": predicate, "condition": _string_enum(["and", "or"]),
            "expression2": predicate}}},
        "Expression": {"type": "object", "description": "{\"expression\": {attribute: {operator: value}}}"},
        "LssoMember": member,
        "SearchRequest": {"type": "object", "required": ["transaction_id", "search_request"], "properties": {
            "transaction_id": {"type": "string"}, "search_request": {"type": "array", "items": {
                "type": "object", "required": ["reference_id", "search_criteria"],
                "properties": {"reference_id": {"type": "string"}, "timestamp": timestamp,
                               "search_criteria": criteria}}}}},
        "SearchResponse": {"type": "object", "properties": {
            "transaction_id": {"type": "string"}, "correlation_id": {"type": "string"},
            "search_response": {"type": "array", "items": {"type": "object", "properties": {
                **item_answer, "data": {"type": "object", "properties": {
                    "reg_type": {"type": "string"}, "reg_record_type": {"type": "string"},
                    "reg_records": reg_records}},
                "pagination": {"type": "object", "properties": {"page_size": {"type": "integer"},
                                                                "page_number": {"type": "integer"},
                                                                "total_count": {"type": "integer"}}}}}}}},
        "SubscribeRequest": {"type": "object", "required": ["transaction_id", "subscribe_request"], "properties": {
            "transaction_id": {"type": "string"}, "subscribe_request": {"type": "array", "items": {
                "type": "object", "properties": {"reference_id": {"type": "string"}, "subscribe_criteria": {
                    "type": "object", "required": ["reg_event_type"], "properties": {
                        "reg_event_type": _string_enum(events),
                        "filter_type": _string_enum(["idtype-value", "predicate", "expression"]),
                        "filter": {}, "notify_record_type": _string_enum([records.RECORD_TYPE]),
                        "consent": purpose, "authorize": purpose}}}}}}},
        "SubscribeResponse": {"type": "object", "properties": {
            "transaction_id": {"type": "string"}, "correlation_id": {"type": "string"},
            "subscribe_response": {"type": "array", "items": {"type": "object", "properties": {
                **item_answer, "subscriptions": {"type": "array", "items": {"type": "object", "properties": {
                    "code": {"type": "string"}, "reg_event_type": {"type": "string"}}}}}}}}},
        "UnsubscribeRequest": {"type": "object", "required": ["transaction_id", "subscription_codes"],
                               "properties": {"transaction_id": {"type": "string"}, "timestamp": timestamp,
                                              "subscription_codes": {"type": "array",
                                                                     "items": {"type": "string"}}}},
        "UnsubscribeResponse": {"type": "object", "properties": {
            "transaction_id": {"type": "string"}, "correlation_id": {"type": "string"},
            "status": _string_enum(["succ", "rjct"]),
            "subscription_status": {"type": "array", "items": {"type": "object"}}}},
        "Notify": {"type": "object", "properties": {"transaction_id": {"type": "string"}, "notify_event": {
            "type": "array", "items": {"type": "object", "properties": {
                "reference_id": {"type": "string"}, "timestamp": timestamp, "data": {"type": "object", "properties": {
                    "reg_records": {**reg_records, "properties": {**reg_records["properties"],
                                                                  "event": _string_enum(events),
                                                                  "subscription_code": {"type": "string"}}}}}}}}}},
        "TxnStatusRequest": {"type": "object", "required": ["transaction_id", "txnstatus_request"], "properties": {
            "transaction_id": {"type": "string"}, "txnstatus_request": {"type": "object", "properties": {
                "reference_id": {"type": "string"}, "txn_type": _string_enum(["search", "subscribe", "unsubscribe"]),
                "attribute_type": _string_enum(["transaction_id", "correlation_id"]),
                "attribute_value": {"type": "string"}}}}},
        "TxnStatusResponse": {"type": "object", "properties": {
            "transaction_id": {"type": "string"}, "correlation_id": {"type": "string"},
            "txnstatus_response": {"type": "object", "properties": {
                "txn_type": _string_enum(["on-search", "on-subscribe", "on-unsubscribe"]),
                "txn_status": {"type": "object"}}}}},
        "EnrolledRequest": {"type": "object", "required": ["transaction_id", "enrolled_criteria"], "properties": {
            "transaction_id": {"type": "string"}, "enrolled_criteria": {"type": "object", "properties": {
                "query_type": _string_enum(["idtype-value"]), "response_entity": _string_enum(["Member"]),
                "query": {"type": "object", "example": {"person_identifier": {"eq": "1001234567"}}}}}}},
        "EnrolledResponse": {"type": "object", "properties": {
            "transaction_id": {"type": "string"}, "correlation_id": {"type": "string"},
            "enrolled_response": {"type": "array", "items": {"type": "object", "properties": {
                **item_answer, "enrolled_status": _string_enum(["yes", "no"]),
                "programme": {"type": "string"}, "scheme": {"type": "string"},
                "member_status": {"type": "string"}}}}}},
    }


def document(app: Flask, base_url: str = "") -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        name = rule.endpoint.rpartition(".")[2]
        if not rule.endpoint.startswith("dci.") or name not in OPERATIONS:
            continue
        method = "post" if "POST" in (rule.methods or ()) else "get"
        paths.setdefault(rule.rule, {})[method] = _operation(name, OPERATIONS[name])
    return {
        "openapi": "3.0.3",
        "info": {"title": "LSSO Connect partner API (DCI registry)", "version": "1.0.0",
                 "description": "LSSO as a DCI registry: other social protection schemes search it, and "
                                "subscribe to what happens to its members. Every answer is signed with LSSO's "
                                "Ed25519 key (see /dci/.well-known/jwks.json)."},
        "servers": [{"url": base_url or "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "oauth2": {"type": "oauth2", "flows": {"clientCredentials": {
                    "tokenUrl": "/dci/oauth2/client/token",
                    "scopes": {s.value: s.value for s in Scope}}}},
            },
        },
    }
