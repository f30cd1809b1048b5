"""`action`: call a registered handler; show its result through `text`, or branch on its outcome.

    type: action
    action: contributions_summary
    text: {lo: "ຈ່າຍແລ້ວ {months} ເດືອນ", en: "Paid {months} months"}
    options: [...]            # optional choices on the result screen
    end: false                # the result screen ends the session
    next: node                # without text: where to go
    outcomes: {locked: node, mismatch: {to: node, notice: {lo: ..., en: ...}}}
    if_dropped: sms_statement  # a result screen: the action whose SMS carries it if the session drops here
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ussd_app.engine.actions import ActionResult, Actions, ActionSpec
from ussd_app.engine.context import Ctx
from ussd_app.engine.model import Node, Option, Text
from ussd_app.engine.nodes import _fields as f
from ussd_app.engine.nodes import register
from ussd_app.engine.steps import Goto, Show, Step


@dataclass(frozen=True)
class Branch:
    to: str
    notice: Text | None = None


@register
@dataclass(frozen=True)
class ActionNode(Node):
    TYPE = "action"
    action: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    end: bool = False
    next: str | None = None
    outcomes: dict[str, Branch] = field(default_factory=dict)
    if_dropped: str = ""
    spec: ActionSpec | None = field(default=None, compare=False, repr=False)  # set by resolve()
    dropped_spec: ActionSpec | None = field(default=None, compare=False, repr=False)

    @property
    def WAITS(self) -> bool:  # type: ignore[override]
        return self.text is not None

    @classmethod
    def parse(cls, node_id: str, raw: dict[str, Any]) -> ActionNode:
        f.only(raw, {"action", "args", "options", "end", "next", "outcomes", "if_dropped"})
        name = raw.get("action")
        if not isinstance(name, str):
            raise ValueError("'action' must name a registered handler")
        args = raw.get("args") or {}
        if not isinstance(args, dict):
            raise ValueError("'args' must be a mapping")
        raw_outcomes = raw.get("outcomes") or {}
        if not isinstance(raw_outcomes, dict):
            raise ValueError("'outcomes' must map outcomes to node ids")
        outcomes: dict[str, Branch] = {}
        for outcome, target in raw_outcomes.items():
            if isinstance(target, str):
                outcomes[outcome] = Branch(target)
            elif isinstance(target, dict) and "to" in target:
                outcomes[outcome] = Branch(f.node_ref(target, "to"), f.text(target, "notice", required=False))
            else:
                raise ValueError(f"outcome {outcome!r} must be a node id or {{to, notice}}")
        node = cls(
            id=node_id,
            text=f.text(raw, "text", required=False),
            action=name,
            args=args,
            options=f.options(raw),
            end=bool(raw.get("end", False)),
            next=f.node_ref(raw, "next", required=False),
            outcomes=outcomes,
            if_dropped=str(raw.get("if_dropped") or ""),
        )
        if node.options and node.text is None:
            raise ValueError("options need a text to show them with")
        return node

    def resolve(self, actions: Actions) -> ActionNode:
        spec = actions.get(self.action)
        if spec is None:
            raise ValueError(f"unknown action {self.action!r} (known: {', '.join(sorted(actions))})")
        if spec.check_args is not None:
            spec.check_args(self.args)
        unknown = set(self.outcomes) - spec.outcomes
        if unknown:
            raise ValueError(f"action {self.action!r} has no outcome(s) {', '.join(sorted(unknown))}")
        if self.text is None and self.next is None:
            missing = spec.outcomes - set(self.outcomes)
            if missing:
                raise ValueError(f"outcome(s) {', '.join(sorted(missing))} lead nowhere: add text, next or outcomes")
        dropped = None
        if self.if_dropped:
            dropped = actions.get(self.if_dropped)
            if dropped is None:
                raise ValueError(f"if_dropped: unknown action {self.if_dropped!r}")
            if self.text is None or self.end:
                raise ValueError("if_dropped belongs on a result screen that waits (text, no end)")
        return replace(self, spec=spec, dropped_spec=dropped)

    def enter(self, ctx: Ctx) -> Step:
        assert self.spec is not None, "an action node is resolved when its definition is loaded"
        result = ctx.run_action(self.spec, self.args)
        _apply(ctx, result)
        branch = self.outcomes.get(result.outcome)
        if branch is not None:
            return Goto(branch.to, ctx.text(branch.notice, result.values) if branch.notice else None)
        if self.text is not None:
            lines = [ctx.text(self.text, result.values), *f.option_lines(ctx, self.options)]
            footer = ctx.message("nav_footer") if not self.end and not self.options else None
            return Show(lines, end=self.end, footer=footer)
        assert self.next is not None  # guaranteed by parse()
        return Goto(self.next)

    def handle(self, ctx: Ctx, value: str) -> Step:
        return f.choose_step(ctx, self.options, value)

    def backable(self) -> bool:
        return self.text is not None and not self.end and self.spec is not None and self.spec.readonly

    def targets(self) -> list[str]:
        out = [o.to for o in self.options] + [b.to for b in self.outcomes.values()]
        return out + ([self.next] if self.next else [])

    def texts(self) -> list[tuple[str, Text]]:
        notices = [(f"notice of outcome {k}", b.notice) for k, b in self.outcomes.items() if b.notice]
        return [*super().texts(), *f.option_texts(self.options), *notices]


def _apply(ctx: Ctx, result: ActionResult) -> None:
    ctx.effects.extend(result.effects)
    for key, value in result.data.items():
        if value is None:
            ctx.state.data.pop(key, None)
        else:
            ctx.state.data[key] = value
    if result.member is not None:
        ctx.state.member = result.member
        ctx.forget_member()
    if result.authenticated is not None:
        ctx.state.authenticated = result.authenticated
    if result.lang is not None:
        ctx.state.lang = result.lang
