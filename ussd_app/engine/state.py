"""The state of one USSD session between hops. Serialisable; holds no PIN, only PIN hashes."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any


@dataclass
class SessionState:
    session_id: str
    phone: str
    menu_version: str
    lang: str
    network: str = ""
    service_code: str = ""
    node: str | None = None  # the node whose screen is shown, awaiting input
    stack: list[str] = field(default_factory=list)  # earlier waiting nodes, for "0" back
    data: dict[str, Any] = field(default_factory=dict)  # collected inputs (PINs only as hashes)
    member: str | None = None  # SSN of the member this phone is linked to
    authenticated: bool = False  # PIN verified in this session
    lines: list[str] = field(default_factory=list)  # the screen shown, before pagination
    notice: str | None = None  # one-line message on top of it (an error, a result)
    footer: str | None = None  # closing line of its last page
    page: int = 0
    ends: bool = False  # the screen shown ends the session (after its last page)
    hops: int = 0
    visited: list[str] = field(default_factory=list)  # nodes reached on the last hop (analytics)
    invalid: int = 0  # inputs rejected on the last hop (analytics)
    gate: str | None = None  # the PIN prompt (verify) this session last passed: what a resumed session asks again
    after_pin: list[str] | None = None  # [gate, node]: a resumed session goes on to node once the PIN is right
    offer: dict[str, Any] | None = None  # an earlier session dropped mid-way, offered to continue (no PIN in it)
    resumed_from: str | None = None  # the node this session took up from a dropped one (analytics)

    def fresh_copy(self) -> SessionState:
        """A copy for the next hop to change: its own containers, and last hop's analytics reset."""
        return replace(self, stack=list(self.stack), data=dict(self.data), lines=list(self.lines), visited=[],
                       invalid=0)

    def to_dict(self) -> dict[str, Any]:
        # Shallow on purpose (asdict deep-copies, and this runs on every hop): the values are
        # plain JSON types and the dict is serialised at once.
        return {name: getattr(self, name) for name in _FIELDS}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SessionState:
        known = {k: v for k, v in raw.items() if k in _FIELDS}
        return cls(**known)


_FIELDS = tuple(f.name for f in fields(SessionState))
