"""`message` shows a text and waits only for the global keys (0 back, 00 home);
`end` shows a text and ends the session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ussd_app.engine.context import Ctx
from ussd_app.engine.model import Node
from ussd_app.engine.nodes import _fields as f
from ussd_app.engine.nodes import register
from ussd_app.engine.steps import Retry, Show, Step


@register
@dataclass(frozen=True)
class MessageNode(Node):
    TYPE = "message"

    @classmethod
    def parse(cls, node_id: str, raw: dict[str, Any]) -> MessageNode:  # also builds EndNode
        f.only(raw, set())
        return cls(id=node_id, text=f.text(raw))

    def enter(self, ctx: Ctx) -> Step:
        return Show([ctx.text(self.text)], footer=ctx.message("nav_footer"))

    def handle(self, ctx: Ctx, value: str) -> Step:
        return Retry(ctx.message("invalid_choice"))

    def backable(self) -> bool:
        return True


@register
@dataclass(frozen=True)
class EndNode(MessageNode):
    TYPE = "end"

    def enter(self, ctx: Ctx) -> Step:
        return Show([ctx.text(self.text)], end=True)

    def handle(self, ctx: Ctx, value: str) -> Step:
        return self.enter(ctx)

    def backable(self) -> bool:
        return False
