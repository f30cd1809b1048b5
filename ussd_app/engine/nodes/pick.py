"""`pick`: choose one value from a numbered list and keep it under `save_as`.

The list is written in the node (`choices`) or comes from a registered action (`from`), for lists
that are data rather than menu text (provinces and their districts, income bands). A long list
pages with "98"; the number typed is the number shown, whichever page it was on.

    type: pick
    text: {lo: "ເພດ", en: "Sex"}
    choices:
      - {value: F, label: {lo: "ຍິງ", en: "Female"}}
      - {value: M, label: {lo: "ຊາຍ", en: "Male"}}
    save_as: sex
    next: join_province

    type: pick
    text: {lo: "ເລືອກເມືອງ", en: "Your district"}
    from: districts            # an action answering values={"choices": [Choice, ...]}
    args: {province: province}
    save_as: district
    next: join_occupation
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ussd_app.engine.actions import Actions, ActionSpec
from ussd_app.engine.context import Ctx
from ussd_app.engine.model import Node, Text
from ussd_app.engine.nodes import _fields as f
from ussd_app.engine.nodes import register
from ussd_app.engine.steps import Goto, Retry, Show, Step


@dataclass(frozen=True)
class Choice:
    value: str  # what is kept
    label: Text  # what is shown, by language


@register
@dataclass(frozen=True)
class PickNode(Node):
    TYPE = "pick"
    choices: tuple[Choice, ...] = ()
    source: str | None = None  # the action that lists the choices
    args: dict[str, Any] = field(default_factory=dict)
    save_as: str = ""
    next: str = ""
    spec: ActionSpec | None = field(default=None, compare=False, repr=False)

    @classmethod
    def parse(cls, node_id: str, raw: dict[str, Any]) -> PickNode:
        f.only(raw, {"choices", "from", "args", "save_as", "next"})
        source, items = raw.get("from"), raw.get("choices")
        if (source is None) == (items is None):
            raise ValueError("a pick needs either 'choices' (a list) or 'from' (an action that lists them)")
        if source is not None and not isinstance(source, str):
            raise ValueError("'from' must name a registered action")
        args = raw.get("args") or {}
        if not isinstance(args, dict):
            raise ValueError("'args' must be a mapping")
        save_as = raw.get("save_as")
        if not isinstance(save_as, str) or not save_as.isidentifier():
            raise ValueError("'save_as' must name the value, e.g. province")
        return cls(id=node_id, text=f.text(raw), choices=_choices(items) if items is not None else (),
                   source=source, args=args, save_as=save_as, next=f.node_ref(raw, "next"))

    def resolve(self, actions: Actions) -> PickNode:
        if self.source is None:
            return self
        spec = actions.get(self.source)
        if spec is None:
            raise ValueError(f"unknown action {self.source!r} (known: {', '.join(sorted(actions))})")
        if spec.check_args is not None:
            spec.check_args(self.args)
        return replace(self, spec=spec)

    def listed(self, ctx: Ctx) -> tuple[list[Choice], dict[str, Any]]:
        """The choices, and the other values the action gave (for the title, e.g. the rate)."""
        if self.spec is None:
            return list(self.choices), {}
        values = dict(ctx.run_action(self.spec, self.args).values)
        return list(values.pop("choices", [])), values

    def enter(self, ctx: Ctx) -> Step:
        listed, values = self.listed(ctx)
        lines = [f"{i} {ctx.text(c.label)}" for i, c in enumerate(listed, 1)]
        return Show([ctx.text(self.text, values), *lines])

    def handle(self, ctx: Ctx, value: str) -> Step:
        listed, _ = self.listed(ctx)
        if value.isdigit() and value.isascii() and 1 <= int(value) <= len(listed):
            ctx.state.data[self.save_as] = listed[int(value) - 1].value
            return Goto(self.next)
        return Retry(ctx.message("invalid_choice"))

    def backable(self) -> bool:
        return True

    def targets(self) -> list[str]:
        return [self.next]

    def texts(self) -> list[tuple[str, Text]]:
        return [*super().texts(), *((f"choice {i} label", c.label) for i, c in enumerate(self.choices, 1))]


def _choices(items: Any) -> tuple[Choice, ...]:
    if not isinstance(items, list) or not items:
        raise ValueError("'choices' must be a non-empty list of {value, label}")
    out = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("value"), (str, int)) or "label" not in item:
            raise ValueError(f"choice {i} must be a mapping with 'value' and 'label'")
        out.append(Choice(str(item["value"]), f.text(item, "label")))
    if len({c.value for c in out}) != len(out):
        raise ValueError("two choices keep the same value")
    return tuple(out)
