"""Router conditions: tiny predicates over the hop's context, registered by name.

In YAML: `when: phone_linked`, `when: {scheme_is: voluntary}`, `when: {not: phone_linked}`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ussd_app.engine.context import Ctx

Predicate = Callable[["Ctx", Any], bool]
CONDITIONS: dict[str, Predicate] = {}


def condition(name: str) -> Callable[[Predicate], Predicate]:
    def register(fn: Predicate) -> Predicate:
        CONDITIONS[name] = fn
        return fn

    return register


@dataclass(frozen=True)
class When:
    name: str
    arg: Any
    negate: bool = False

    def holds(self, ctx: Ctx) -> bool:
        return CONDITIONS[self.name](ctx, self.arg) != self.negate


def parse_when(spec: Any) -> When:
    """Raises ValueError naming what is wrong."""
    negate = False
    if isinstance(spec, dict) and set(spec) == {"not"}:
        negate, spec = True, spec["not"]
    if isinstance(spec, str):
        name, arg = spec, None
    elif isinstance(spec, dict) and len(spec) == 1:
        name, arg = next(iter(spec.items()))
    else:
        raise ValueError(f"a condition is a name or a one-key mapping, got {spec!r}")
    if name not in CONDITIONS:
        raise ValueError(f"unknown condition {name!r} (known: {', '.join(sorted(CONDITIONS))})")
    return When(name, arg, negate)


@condition("phone_linked")
def _phone_linked(ctx: Ctx, _arg: Any) -> bool:
    return ctx.member() is not None


@condition("pin_unset")
def _pin_unset(ctx: Ctx, _arg: Any) -> bool:
    member = ctx.member()
    # Authenticated: the PIN was chosen in this session (its record changes once the hop's effects
    # are applied, after the screen; a hop may carry several keys).
    return member is not None and not member.has_pin and not ctx.state.authenticated


@condition("scheme_is")
def _scheme_is(ctx: Ctx, arg: Any) -> bool:
    member = ctx.member()
    return member is not None and member.scheme == arg


@condition("status_is")
def _status_is(ctx: Ctx, arg: Any) -> bool:
    member = ctx.member()
    return member is not None and member.status == arg


@condition("link_blocked")
def _link_blocked(ctx: Ctx, _arg: Any) -> bool:
    return ctx.services.guards.link_blocked(ctx.state.phone)


@condition("pin_locked")
def _pin_locked(ctx: Ctx, _arg: Any) -> bool:
    member = ctx.member()
    return member is not None and member.pin_locked_until is not None and member.pin_locked_until > ctx.now


@condition("authenticated")
def _authenticated(ctx: Ctx, _arg: Any) -> bool:
    return ctx.state.authenticated
