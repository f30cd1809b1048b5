"""Action handlers that `action` nodes call, and the registry a definition is loaded with.

A handler is declared with `@action(name, outcomes=…, samples=…)`, which makes it an
`ActionSpec` (still callable as the handler). Nothing is registered by importing: the host
builds an `Actions` registry from the specs it means to offer (ussd_app/actions/__init__.py)
and hands it to the loader, which resolves each `action` node against it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
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

    def __call__(self, ctx: Ctx, args: dict[str, Any]) -> ActionResult:
        return self.handler(ctx, args)


class Actions(Mapping[str, ActionSpec]):
    """The actions a definition may call, by name."""

    def __init__(self, specs: Iterable[ActionSpec]) -> None:
        self._specs: dict[str, ActionSpec] = {}
        for spec in specs:
            if spec.name in self._specs:
                raise ValueError(f"two actions are named {spec.name!r}")
            self._specs[spec.name] = spec

    def __getitem__(self, name: str) -> ActionSpec:
        return self._specs[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def including(self, *specs: ActionSpec) -> Actions:
        return Actions([*self._specs.values(), *specs])


NO_ACTIONS = Actions([])


def action(
    name: str,
    *,
    outcomes: tuple[str, ...] = ("ok",),
    samples: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    readonly: bool = True,
    check_args: Callable[[dict[str, Any]], None] | None = None,
) -> Callable[[Handler], ActionSpec]:
    """Declare `handler` as the action `name` (registered only where a registry lists it)."""

    def declare(handler: Handler) -> ActionSpec:
        return ActionSpec(name, handler, frozenset(outcomes), samples or {}, readonly, check_args)

    return declare
