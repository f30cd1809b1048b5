"""The DCI specifications, as validators of what our server sends. A copy of
../shared/standards/dci (Apache 2.0, tests/dci_specs/LICENSE.md) lives in tests/dci_specs so a
checkout anywhere can run the tests; test_dci_openapi checks the copy against ../shared when it is there.

`validate(spec, path, body)` checks a response (or a callback we post) against the operation's
schema with openapi-core. The specification files are used as they are, with their spec-level
validation turned off where a file itself is invalid OpenAPI (see README, "Where we differ").
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

DCI = Path(__file__).resolve().parent / "dci_specs"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "standards" / "dci"
FILES = {"core": "registry_core_api_v1.0.0.yaml", "ibr": "ibr_api_v1.0.0.yaml", "social": "social_api_v1.0.0.yaml",
         "authz": "authz_core_api_v1.0.0.yaml", "jwks": "jwks_core_api_v1.0.0.yaml"}
HOST, BASE = "https://sandbox.spdci.org", "/namespace/v1.0.0"  # the specs' server


@functools.cache
def spec(name: str) -> OpenAPI:
    raw = yaml.safe_load((DCI / FILES[name]).read_text(encoding="utf-8"))
    return OpenAPI.from_dict(raw, config=Config(spec_validator_cls=None))


@functools.cache
def raw(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DCI / FILES[name]).read_text(encoding="utf-8"))
    return loaded


def validate_response(name: str, path: str, body: Any, status: int = 200, request_body: Any = None) -> None:
    """Raises openapi-core's validation error when `body` is not what the spec says `path` answers."""
    request = MockRequest(HOST, "post", BASE + path, data=json.dumps(request_body or {}).encode())
    response = MockResponse(json.dumps(body).encode(), status_code=status)
    spec(name).validate_response(request, response)


def validate_request(name: str, path: str, body: Any, authorization: str = "") -> None:
    """For what we post to a partner (callbacks, notifications): the partner's side of the spec."""
    headers = {"Authorization": authorization} if authorization else {}
    request = MockRequest(HOST, "post", BASE + path, data=json.dumps(body).encode(), headers=headers)
    spec(name).validate_request(request)


def validate_schema(name: str, schema: str, value: Any) -> None:
    """One component schema, for the places where a spec's operation points at a schema directly."""
    from openapi_schema_validator import OAS30Validator

    document = raw(name)
    resolver_doc = {**document, "$ref": f"#/components/schemas/{schema}"}
    OAS30Validator(resolver_doc).validate(value)
