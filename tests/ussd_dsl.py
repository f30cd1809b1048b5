"""A small conversation language for tests, through the real webhook:

    ussd(client).dial("+8562055512345").see("ເງິນສົມທົບ").press("1").see("PIN").press("2580")
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from flask.testing import FlaskClient

from ussd_app.engine.render import BUDGET
from ussd_app.text.encoding import measure

_ids = itertools.count(1)


@dataclass
class Conversation:
    client: FlaskClient
    phone: str
    session_id: str
    service_code: str = "*211#"
    network: str = "41801"
    inputs: list[str] = field(default_factory=list)
    screen: str = ""
    ended: bool = False
    screens: list[str] = field(default_factory=list)
    token: str = ""

    def _post(self) -> Conversation:
        url = "/ussd/africastalking" + (f"?token={self.token}" if self.token else "")
        response = self.client.post(url, data={
            "sessionId": self.session_id, "serviceCode": self.service_code, "phoneNumber": self.phone,
            "networkCode": self.network, "text": "*".join(self.inputs),
        })
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "text/plain"
        body = response.get_data(as_text=True)
        kind, _, self.screen = body.partition(" ")
        assert kind in ("CON", "END"), body
        self.ended = kind == "END"
        encoding, length = measure(self.screen)
        assert length <= BUDGET[encoding], f"screen over budget ({length} > {BUDGET[encoding]}):\n{self.screen}"
        self.screens.append(body)
        return self

    def dial(self, first_inputs: str = "") -> Conversation:
        self.inputs = first_inputs.split("*") if first_inputs else []
        return self._post()

    def press(self, *keys: str) -> Conversation:
        for key in keys:
            assert not self.ended, f"session already ended on:\n{self.screen}"
            self.inputs.append(key)
            self._post()
        return self

    def see(self, *fragments: str) -> Conversation:
        for fragment in fragments:
            assert fragment in self.screen, f"expected {fragment!r} on screen:\n{self.screen}"
        return self

    def not_see(self, *fragments: str) -> Conversation:
        for fragment in fragments:
            assert fragment not in self.screen, f"did not expect {fragment!r} on screen:\n{self.screen}"
        return self

    def ends(self) -> Conversation:
        assert self.ended, f"expected END, got CON:\n{self.screen}"
        return self

    def continues(self) -> Conversation:
        assert not self.ended, f"expected CON, got END:\n{self.screen}"
        return self


class _Dialer:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def dial(self, phone: str, dial_string: str = "", session_id: str | None = None, **kwargs: str) -> Conversation:
        convo = Conversation(self.client, phone, session_id or f"test-{next(_ids)}", **kwargs)
        return convo.dial(dial_string)


def ussd(client: FlaskClient) -> _Dialer:
    return _Dialer(client)
