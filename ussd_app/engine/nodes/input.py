"""`input`: ask for a value, check it with validators, keep it under `save_as`, move on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ussd_app.engine import validators
from ussd_app.engine.context import Ctx
from ussd_app.engine.model import Node, Text
from ussd_app.engine.nodes import _fields as f
from ussd_app.engine.nodes import register
from ussd_app.engine.steps import Goto, Retry, Show, Step


@register
@dataclass(frozen=True)
class InputNode(Node):
    TYPE = "input"
    checks: tuple[validators.Check, ...] = ()
    save_as: str = ""
    next: str = ""
    error: Text | None = None

    @classmethod
    def parse(cls, node_id: str, raw: dict[str, Any]) -> InputNode:
        f.only(raw, {"validate", "save_as", "next", "error"})
        specs = raw.get("validate") or []
        if not isinstance(specs, list):
            raise ValueError("'validate' must be a list")
        save_as = raw.get("save_as")
        if not isinstance(save_as, str) or not save_as.isidentifier():
            raise ValueError("'save_as' must name the value, e.g. ssn")
        return cls(
            id=node_id,
            text=f.text(raw),
            checks=tuple(validators.build(s) for s in specs),
            save_as=save_as,
            next=f.node_ref(raw, "next"),
            error=f.text(raw, "error", required=False),
        )

    def enter(self, ctx: Ctx) -> Step:
        return Show([ctx.text(self.text)])

    def handle(self, ctx: Ctx, value: str) -> Step:
        kept = value
        for check in self.checks:
            try:
                kept = check.run(kept, ctx.today)
            except validators.Invalid as bad:
                return Retry(ctx.text(self.error) if self.error else ctx.message(bad.key))
        ctx.state.data[self.save_as] = kept
        return Goto(self.next)

    def targets(self) -> list[str]:
        return [self.next]

    def texts(self) -> list[tuple[str, Text]]:
        return [*super().texts(), *([("error", self.error)] if self.error else [])]

    def message_keys(self) -> set[str]:
        return {validators.MESSAGE_KEYS[c.kind] for c in self.checks}
