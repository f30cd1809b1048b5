"""Registry of action handlers that `action` nodes call.

Handlers live in `ussd_app/actions/`; each registers with its outcomes and sample values (used
to check screen budgets before a definition is published). The engine only knows this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ussd_app.engine.effects import Effect

if TYPE_CHECKING:
    from ussd_app.engine.context import Ctx


@dataclass
class ActionResult:
    outcome: str = "ok"
    values: dict[str, Any] = field(default_factory=dict)  # for the node's text template
    effects: list[Effect] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # merged into the session's data; None deletes
    member: str | None = None  # set the session's member (SSN)
    authenticated: bool | None = None
    lang: str | None = None  # switch the session's language


Handler = Callable[["Ctx", dict[str, Any]], ActionResult]


@dataclass(frozen=True)
class ActionSpec:
    name: str
    handler: Handler
    outcomes: frozenset[str]
    samples: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]  # plausible values; may depend on args
    readonly: bool  # no effects: safe to run again when a member goes back to its screen
    check_args: Callable[[dict[str, Any]], None] | None = None  # raises ValueError on args it cannot use

    def samples_for(self, args: dict[str, Any]) -> dict[str, Any]:
        return dict(self.samples(args) if callable(self.samples) else self.samples)


ACTIONS: dict[str, ActionSpec] = {}


def action(
    name: str,
    *,
    outcomes: tuple[str, ...] = ("ok",),
    samples: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    readonly: bool = True,
    check_args: Callable[[dict[str, Any]], None] | None = None,
) -> Callable[[Handler], Handler]:
    """Register `handler` under `name`."""

    def register(handler: Handler) -> Handler:
        ACTIONS[name] = ActionSpec(name, handler, frozenset(outcomes), samples or {}, readonly, check_args)
        return handler

    return register
