"""Reading the common fields of a node's YAML mapping, with errors that say what is wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload

from ussd_app.engine.model import Option, Text

if TYPE_CHECKING:
    from ussd_app.engine.context import Ctx
    from ussd_app.engine.steps import Step


@overload
def text(raw: dict[str, Any], key: str = "text", required: Literal[True] = True) -> Text: ...
@overload
def text(raw: dict[str, Any], key: str, required: bool) -> Text | None: ...


def text(raw: dict[str, Any], key: str = "text", required: bool = True) -> Text | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise ValueError(f"'{key}' is required")
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f"'{key}' must map each language to its text, e.g. {{lo: ..., en: ...}}")
    return {str(k): v for k, v in value.items()}


@overload
def node_ref(raw: dict[str, Any], key: str, required: Literal[True] = True) -> str: ...
@overload
def node_ref(raw: dict[str, Any], key: str, required: bool) -> str | None: ...


def node_ref(raw: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise ValueError(f"'{key}' (the next node) is required")
        return None
    if not isinstance(value, str) or not value:
        raise ValueError(f"'{key}' must be a node id")
    return value


def options(raw: dict[str, Any]) -> tuple[Option, ...]:
    items = raw.get("options") or []
    if not isinstance(items, list):
        raise ValueError("'options' must be a list")
    out = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ValueError(f"option {i} must be a mapping with 'label' and 'to'")
        try:
            out.append(Option(label=text(item, "label"), to=node_ref(item, "to")))
        except ValueError as exc:
            raise ValueError(f"option {i}: {exc}") from None
    return tuple(out)


def option_texts(opts: tuple[Option, ...]) -> list[tuple[str, Text]]:
    return [(f"option {i} label", o.label) for i, o in enumerate(opts, 1)]


def option_lines(ctx: Ctx, opts: tuple[Option, ...]) -> list[str]:
    return [f"{i} {ctx.text(o.label)}" for i, o in enumerate(opts, 1)]


def choose(opts: tuple[Option, ...], value: str) -> Option | None:
    if value.isdigit() and value.isascii() and 1 <= int(value) <= len(opts):
        return opts[int(value) - 1]
    return None


def choose_step(ctx: Ctx, opts: tuple[Option, ...], value: str) -> Step:
    """The step for a typed option number: go to its node, or ask again."""
    from ussd_app.engine.steps import Goto, Retry

    chosen = choose(opts, value)
    return Goto(chosen.to) if chosen else Retry(ctx.message("invalid_choice"))


def only(raw: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(raw) - allowed - {"type", "text", "note"}
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
