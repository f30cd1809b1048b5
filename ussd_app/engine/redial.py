"""Taking up a dropped session again, and what a dropped session owes the member. Pure.

When a phone dials again soon after a session that ended mid-way, the host hands the earlier
state to `resume_point`; what comes back is the state to continue from, scrubbed, or None when
there is nothing worth offering. The new session's first screen then asks "1 Continue / 2 Start
again" (`offer_lines`, answered by `answer_offer` in navigation).

Kept for a resume: where the member stood, the way back, what they typed. Never kept: a PIN's
hash (a chosen PIN is chosen again), the PIN check itself (a screen behind a PIN asks it again).
"""

from __future__ import annotations

from dataclasses import replace

from ussd_app.engine.context import Ctx
from ussd_app.engine.effects import SmsRequested
from ussd_app.engine.model import Definition, Node
from ussd_app.engine.nodes.action import ActionNode
from ussd_app.engine.nodes.pin import PinMode, PinNode
from ussd_app.engine.ports import Services
from ussd_app.engine.state import SessionState

CONTINUE, RESTART = "1", "2"


def resume_point(definition: Definition, earlier: SessionState) -> SessionState | None:
    """The state a new session of the same phone may continue from, or None: the session
    finished, stood nowhere worth returning to, or its screen is gone from `definition`."""
    if earlier.offer is not None and earlier.node is None:
        # Dropped again while the question was showing: the first session is still the one to offer.
        return resume_point(definition, SessionState.from_dict(earlier.offer))
    node = definition.nodes.get(earlier.node or "")
    if earlier.ends or node is None:
        return None
    if isinstance(node, PinNode) and node.mode is PinMode.CONFIRM:
        node = definition.nodes.get(node.retry)  # the PIN to repeat was not kept: choose it again
    if node is None or not _resumable(node):
        return None
    pin_hashes = {n.save_as for n in definition.nodes.values() if isinstance(n, PinNode) and n.save_as}
    data = {k: v for k, v in earlier.data.items() if k not in pin_hashes}
    stack = [n for n in earlier.stack if n in definition.nodes]
    if not data and not earlier.authenticated and len(stack) < 2:
        return None  # one key from the first screen, nothing typed: starting again costs nothing
    after_pin = None
    if earlier.authenticated and not isinstance(node, PinNode):
        gate = definition.nodes.get(earlier.gate or "")
        if not (isinstance(gate, PinNode) and gate.mode is PinMode.VERIFY):
            return None  # behind a PIN we cannot ask again: safer to start over
        after_pin = [gate.id, node.id]
    return replace(earlier, node=node.id, stack=stack, data=data, authenticated=False, after_pin=after_pin,
                   lines=[], notice=None, footer=None, page=0, ends=False, hops=0, visited=[], invalid=0,
                   offer=None, resumed_from=None, gate=None)


def _resumable(node: Node) -> bool:
    """A screen that may be shown again by entering its node: nothing is done twice."""
    if isinstance(node, ActionNode):
        return node.backable()  # shows a result, read-only
    return node.WAITS and (node.backable() or node.TYPE in ("input", "pin"))


def offer_lines(ctx: Ctx) -> list[str]:
    return [ctx.message("resume_question"), f"{CONTINUE} {ctx.message('resume_continue')}",
            f"{RESTART} {ctx.message('resume_restart')}"]


def continue_at(state: SessionState) -> str:
    """Take the offered state into this session; the node to enter (the PIN prompt, if asked again)."""
    assert state.offer is not None
    kept = SessionState.from_dict(state.offer)
    state.offer = None
    state.stack, state.data, state.after_pin = kept.stack, kept.data, kept.after_pin
    state.member = state.member or kept.member
    state.resumed_from = kept.node
    assert kept.node is not None
    return kept.after_pin[0] if kept.after_pin else kept.node


def sms_if_dropped(definition: Definition, state: SessionState, services: Services) -> list[SmsRequested]:
    """The SMS that carries the result the session stood on, if the member may not have seen it:
    what the node's `if_dropped` action would send. Nothing for other screens."""
    node = definition.nodes.get(state.node or "")
    if state.ends or not isinstance(node, ActionNode) or node.dropped_spec is None:
        return []
    ctx = Ctx(definition, state.fresh_copy(), services)
    result = node.dropped_spec(ctx, {})
    return [e for e in result.effects if isinstance(e, SmsRequested)]
