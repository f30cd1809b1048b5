"""`router`: no screen; moves to the first route whose condition holds, else to `default`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ussd_app.engine.conditions import When, parse_when
from ussd_app.engine.context import Ctx
from ussd_app.engine.model import Node
from ussd_app.engine.nodes import _fields as f
from ussd_app.engine.nodes import register
from ussd_app.engine.steps import Goto, Step


@register
@dataclass(frozen=True)
class RouterNode(Node):
    TYPE = "router"
    WAITS = False
    routes: tuple[tuple[When, str], ...] = ()
    default: str = ""

    @classmethod
    def parse(cls, node_id: str, raw: dict[str, Any]) -> RouterNode:
        f.only(raw, {"routes", "default"})
        items = raw.get("routes") or []
        if not isinstance(items, list):
            raise ValueError("'routes' must be a list of {when, to}")
        routes = []
        for i, item in enumerate(items, 1):
            if not isinstance(item, dict) or "when" not in item:
                raise ValueError(f"route {i} must be a mapping with 'when' and 'to'")
            try:
                routes.append((parse_when(item["when"]), f.node_ref(item, "to")))
            except ValueError as exc:
                raise ValueError(f"route {i}: {exc}") from None
        return cls(id=node_id, routes=tuple(routes), default=f.node_ref(raw, "default"))

    def enter(self, ctx: Ctx) -> Step:
        for when, to in self.routes:
            if when.holds(ctx):
                return Goto(to)
        return Goto(self.default)

    def targets(self) -> list[str]:
        return [to for _, to in self.routes] + [self.default]
