"""resume(): one hop of a conversation. Applies each new input in turn to a copy of the session
state and returns the new state with the screen and the effects; the state given is untouched.

Global keys: `0` back, `00` home; on a screen of several pages `98` shows the next page and `0`
the previous one. An input the screen does not accept shows the same screen again with a
one-line message: that is a normal screen, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from ussd_app.engine.context import Ctx
from ussd_app.engine.effects import Effect
from ussd_app.engine.model import Definition, Node
from ussd_app.engine.ports import Services
from ussd_app.engine.redial import CONTINUE, RESTART, continue_at, offer_lines
from ussd_app.engine.render import Screen, fits_one_page, paginate
from ussd_app.engine.state import SessionState
from ussd_app.engine.steps import Goto, Retry, Show, Step

BACK, HOME, MORE = "0", "00", "98"
MAX_MOVES = 50  # routers and actions chained without a screen: more means a loop in the menus
MAX_STACK = 20


class MenuLoop(RuntimeError):
    pass


@dataclass(frozen=True)
class Typed:
    """The keys the member sent since the last screen, oldest first (none: a plain dial)."""

    keys: tuple[str, ...] = ()

    def __init__(self, *keys: str) -> None:
        object.__setattr__(self, "keys", tuple(keys))


@dataclass(frozen=True)
class TimedOut:
    """The session expired before this hop: it starts again from the top with a notice, and
    what was typed is not used (it answered a screen of the session that expired)."""


Resumption = Typed | TimedOut


@dataclass
class Outcome:
    screen: Screen
    state: SessionState  # the new state; the one given to resume() is not changed
    effects: list[Effect]


def resume(definition: Definition, state: SessionState, event: Resumption, services: Services) -> Outcome:
    """The screen to show after `event`, with the new state and the effects.

    A state whose `node` is None is a new session: it starts at the definition's start node, or,
    with an `offer` (a dropped session of this phone, see redial.py), asks whether to continue it.
    """
    state = state.fresh_copy()
    ctx = Ctx(definition, state, services)
    timed_out = isinstance(event, TimedOut)
    if timed_out:
        state.offer = None
    if state.node is None and state.offer is not None:
        screen = _show_offer(ctx)
    elif state.node is None or timed_out:
        notice = ctx.message("timed_out") if timed_out else None
        screen = _move(ctx, Goto(definition.start, notice))
    else:
        screen = _current(ctx)
    for value in event.keys if isinstance(event, Typed) else ():
        if screen.end:
            break  # the session is over; nothing more to read
        screen = _apply(ctx, value.strip())
    state.hops += 1
    return Outcome(screen, state, ctx.effects)


def _apply(ctx: Ctx, value: str) -> Screen:
    state = ctx.state
    shown = pages(ctx)
    if len(shown) > 1:
        if value == MORE and state.page < len(shown) - 1:
            state.page += 1
            return _current(ctx)
        if value == BACK and state.page > 0:
            state.page -= 1
            return _current(ctx)
    if state.ends:
        return _current(ctx)
    if state.offer is not None and state.node is None:
        return _answer_offer(ctx, value)
    if value in (HOME, BACK):
        state.after_pin = None  # leaving the PIN prompt of a resumed session: it goes where the key says
    if value == HOME:
        state.stack.clear()
        state.data.clear()
        return _move(ctx, Goto(ctx.definition.start))
    if value == BACK:
        while state.stack:
            previous = ctx.definition.nodes.get(state.stack.pop())
            if previous is not None and previous.backable():
                return _move(ctx, Goto(previous.id), push=False)
        return _move(ctx, Goto(ctx.definition.start), push=False)
    assert state.node is not None  # a session past its first hop always shows a node
    node = ctx.definition.nodes[state.node]
    return _move(ctx, node.handle(ctx, value))


def _show_offer(ctx: Ctx) -> Screen:
    state = ctx.state
    state.lines, state.footer, state.notice, state.page, state.ends = offer_lines(ctx), None, None, 0, False
    return _current(ctx)


def _answer_offer(ctx: Ctx, value: str) -> Screen:
    if value == CONTINUE:
        return _move(ctx, Goto(continue_at(ctx.state)), push=False)
    if value == RESTART:
        ctx.state.offer = None
        return _move(ctx, Goto(ctx.definition.start))
    return _move(ctx, Retry(ctx.message("invalid_choice")))


def _move(ctx: Ctx, step: Step, push: bool = True) -> Screen:
    state, definition = ctx.state, ctx.definition
    here: Node = definition.nodes[state.node] if state.node else definition.nodes[definition.start]
    notice: str | None = None
    for _ in range(MAX_MOVES):
        if isinstance(step, Retry):
            state.invalid += 1
            state.notice = step.notice
            state.page = 0
            return _current(ctx)
        if isinstance(step, Goto):
            notice = step.notice or notice
            here = definition.nodes[step.node]
            state.visited.append(here.id)
            step = here.enter(ctx)
            continue
        assert isinstance(step, Show)
        if push and state.node and state.node != here.id and not step.end:
            leaving = definition.nodes.get(state.node)
            if leaving is not None and leaving.backable():
                state.stack = [*state.stack[-(MAX_STACK - 1):], state.node]
        state.node = here.id
        state.lines = [part for line in step.lines if line for part in line.split("\n")]
        state.footer = step.footer
        state.notice = notice
        state.page = 0
        state.ends = step.end
        return _current(ctx)
    raise MenuLoop(f"more than {MAX_MOVES} moves without a screen, last at node {here.id!r}")


def pages(ctx: Ctx) -> list[str]:
    """Every page of the screen the session shows (the simulator shows where they break)."""
    state = ctx.state
    lines = state.lines
    if state.notice:
        # A screen that fits on one page keeps fitting with the message: the message takes the
        # place of the title (a menu must not lose its last option, the language, to page two).
        with_notice = [state.notice, *lines]
        if len(lines) > 1 and fits_one_page(lines, state.footer) and not fits_one_page(with_notice, state.footer):
            with_notice = [state.notice, *lines[1:]]
        lines = with_notice
    return paginate(lines, ctx.message("more"), ctx.message("back"), state.footer)


def _current(ctx: Ctx) -> Screen:
    """The page of the current screen that is showing, rendered within its budget."""
    shown = pages(ctx)
    state = ctx.state
    state.page = min(state.page, len(shown) - 1)
    last = state.page == len(shown) - 1
    return Screen(shown[state.page], end=state.ends and last)
