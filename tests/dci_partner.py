"""A partner as the tests play it: registered through the CLI, getting a token, sending signed
DCI envelopes, and checking that what comes back is signed by LSSO's published key."""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ussd_app.dci.keys import SigningKey, verify


class HttpClient:
    """The test client's shape (post/get, status_code, get_json) over real HTTP to a server."""

    def __init__(self, base_url: str) -> None:
        import requests

        self.base_url = base_url
        self.http = requests.Session()

    def post(self, path: str, json: Any = None, data: Any = None, headers: dict[str, str] | None = None) -> Any:
        return _Reply(self.http.post(self.base_url + path, json=json, data=data, headers=headers, timeout=10))

    def get(self, path: str) -> Any:
        return _Reply(self.http.get(self.base_url + path, timeout=10))


class _Reply:
    def __init__(self, response: Any) -> None:
        self.response, self.status_code = response, response.status_code

    def get_json(self) -> Any:
        return self.response.json()

    def get_data(self, as_text: bool = False) -> Any:
        return self.response.text if as_text else self.response.content


def register(runner: Any, name: str, *args: str) -> tuple[str, str]:
    """`flask partners add NAME ARGS…` -> (client_id, client_secret)."""
    result = runner.invoke(args=["partners", "add", name, *args])
    assert result.exit_code == 0, (result.output, result.exception)
    client_id = re.search(r"^client_id=(\S+)$", result.output, re.M)
    secret = re.search(r"^client_secret=(\S+)$", result.output, re.M)
    assert client_id and secret, result.output
    return client_id[1], secret[1]


def key_pair() -> tuple[Ed25519PrivateKey, str]:
    """A partner's own Ed25519 key and its public half as registered (base64 of the raw bytes)."""
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return private, base64.b64encode(public).decode()


def lsso_key(client: Any) -> Ed25519PublicKey:
    jwk = client.get("/dci/.well-known/jwks.json").get_json()["keys"][0]
    raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    return Ed25519PublicKey.from_public_bytes(raw)


@dataclass
class Partner:
    client: Any
    name: str
    client_id: str
    secret: str
    now: datetime
    private: Ed25519PrivateKey | None = None
    token: str = ""
    sent: list[str] = field(default_factory=list)

    def get_token(self, scope: str = "") -> dict[str, Any]:
        form = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.secret}
        if scope:
            form["scope"] = scope
        response = self.client.post("/dci/oauth2/client/token", data=form)
        body: dict[str, Any] = response.get_json()
        if response.status_code == 200:
            self.token = body["access_token"]
        return body

    def header(self, action: str, **extra: Any) -> dict[str, Any]:
        message_id = extra.pop("message_id", None) or uuid.uuid4().hex
        self.sent.append(message_id)
        return {"version": "1.0.0", "message_id": message_id,
                "message_ts": self.now.astimezone(timezone.utc).isoformat(), "action": action,
                "sender_id": self.name, "receiver_id": "lsso.gov.la", "total_count": 1, **extra}

    def envelope(self, action: str, message: dict[str, Any], **header: Any) -> dict[str, Any]:
        head = self.header(action, **header)
        body: dict[str, Any] = {"header": head, "message": message}
        if self.private is not None:
            signer = SigningKey(self.private, "k1", self.name)
            body["signature"] = signer.sign(head, message, self.now.timestamp())
        return body

    def post(self, path: str, body: Any, token: str | None = None) -> Any:
        bearer = self.token if token is None else token
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        return self.client.post(path, json=body, headers=headers)

    def send(self, path: str, action: str, message: dict[str, Any], **header: Any) -> Any:
        return self.post(path, self.envelope(action, message, **header))

    def search(self, query_type: str, query: Any, **criteria: Any) -> Any:
        item = {"reference_id": uuid.uuid4().hex[:12], "timestamp": self.now.isoformat(),
                "search_criteria": {"query_type": query_type, "query": query, **criteria}}
        message = {"transaction_id": uuid.uuid4().hex, "search_request": [item]}
        return self.post("/dci/registry/sync/search", self.envelope("search", message))


def search_message(query_type: str, query: Any, **criteria: Any) -> dict[str, Any]:
    return {"transaction_id": uuid.uuid4().hex, "search_request": [
        {"reference_id": uuid.uuid4().hex[:12], "search_criteria": {"query_type": query_type, "query": query,
                                                                     **criteria}}]}


def subscribe_message(event: str, filter_: Any = None, filter_type: str = "predicate",
                      **criteria: Any) -> dict[str, Any]:
    wanted: dict[str, Any] = {"reg_event_type": f"lsso:RegistryEventType:{event}", "filter_type": filter_type,
                              **criteria}
    if filter_ is not None:
        wanted["filter"] = filter_
    return {"transaction_id": uuid.uuid4().hex, "subscribe_request": [
        {"reference_id": uuid.uuid4().hex[:12], "subscribe_criteria": wanted}]}


def records_of(body: dict[str, Any], item: int = 0) -> list[dict[str, Any]]:
    answer = body["message"]["search_response"][item]
    assert answer["status"] == "succ", answer
    found: list[dict[str, Any]] = answer["data"]["reg_records"]["records"]
    return found


def assert_signed_by_lsso(client: Any, body: dict[str, Any], now: datetime) -> None:
    verify(body["signature"], body["header"], body.get("message"), lsso_key(client), now.timestamp())


def assert_bearer_from_lsso(client: Any, authorization: str, partner_name: str) -> None:
    """What we post to a partner carries a bearer JWT it can check against our published JWKS."""
    from joserfc import jwt
    from joserfc.jwk import KeySet

    assert authorization.startswith("Bearer "), authorization
    keys = KeySet.import_key_set(client.get("/dci/.well-known/jwks.json").get_json())
    token = jwt.decode(authorization.removeprefix("Bearer "), keys, algorithms=["Ed25519"])
    assert token.claims["iss"] == "lsso.gov.la" and token.claims["aud"] == partner_name


def expired(now: datetime) -> datetime:
    return now - timedelta(hours=2)
