"""`menu`: a title and numbered options; a number moves to its option's node."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ussd_app.engine.context import Ctx
from ussd_app.engine.model import Node, Option, Text
from ussd_app.engine.nodes import _fields as f
from ussd_app.engine.nodes import register
from ussd_app.engine.steps import Show, Step


@register
@dataclass(frozen=True)
class MenuNode(Node):
    TYPE = "menu"
    options: tuple[Option, ...] = ()

    @classmethod
    def parse(cls, node_id: str, raw: dict[str, Any]) -> MenuNode:
        f.only(raw, {"options"})
        opts = f.options(raw)
        if not opts:
            raise ValueError("a menu needs at least one option (dead end otherwise)")
        return cls(id=node_id, text=f.text(raw), options=opts)

    def enter(self, ctx: Ctx) -> Step:
        return Show([ctx.text(self.text), *f.option_lines(ctx, self.options)])

    def handle(self, ctx: Ctx, value: str) -> Step:
        return f.choose_step(ctx, self.options, value)

    def backable(self) -> bool:
        return True

    def targets(self) -> list[str]:
        return [o.to for o in self.options]

    def texts(self) -> list[tuple[str, Text]]:
        return [*super().texts(), *f.option_texts(self.options)]
