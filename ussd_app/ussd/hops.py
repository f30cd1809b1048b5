"""One USSD hop, gateway-neutral: load the session, resume the engine, save, apply effects.

    Hop (from a gateway adapter) -> run_hop(runtime, hop) -> Screen (for the adapter to render)

Replays (a gateway retrying the same hop) get the same screen and no second run of its effects.
Everything the hop uses comes in through the Runtime: the session store, the menus, the members
(through one database unit, closed when the hop ends), the guards, the SMS service, the clock.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from ussd_app.core.extensions import Unit
from ussd_app.engine import Resumption, TimedOut, Typed, resume
from ussd_app.engine.effects import Effect
from ussd_app.engine.render import Screen
from ussd_app.engine.state import SessionState
from ussd_app.members.repository import SqlMembers, view_from_dict, view_to_dict
from ussd_app.text.phones import mask
from ussd_app.ussd import drops
from ussd_app.ussd.effect_handlers import Sinks, apply_effects
from ussd_app.ussd.runtime import Runtime
from ussd_app.ussd.sessions import Loaded, StoredSession

log = logging.getLogger(__name__)

CAS_ATTEMPTS = 5
TWIN_WAIT_SECONDS = 0.8  # a hop takes milliseconds; a fault reply must still come within 1 s


@dataclass(frozen=True)
class Hop:
    session_id: str
    phone: str  # E.164
    service_code: str
    network: str
    inputs: tuple[str, ...]  # every input of the session so far, oldest first


class SessionMismatch(ValueError):
    """A hop names a session that another phone started: refused, never mixed."""


class SessionBusy(RuntimeError):
    """Hops of one session kept colliding; the caller answers with the fault reply."""


def run_hop(rt: Runtime, hop: Hop) -> Screen:
    digest = rt.digest(hop.inputs)
    with rt.clients.unit() as unit:
        try:
            return _run(rt, unit, hop, digest)
        except Exception:
            unit.rollback()
            try:
                rt.sessions.release(hop.session_id, digest)  # a retry of this hop may run it again
            except Exception:  # noqa: BLE001 - Redis itself may be what failed; the claim expires anyway
                pass
            raise


def _run(rt: Runtime, unit: Unit, hop: Hop, digest: str) -> Screen:
    for attempt in range(CAS_ATTEMPTS):
        now = rt.clock.now().timestamp()
        loaded = _claim(rt, hop, digest) if attempt == 0 else rt.sessions.load(hop.session_id, hop.phone)
        stored = loaded.stored
        known = stored.extra.get("member") if stored is not None else None
        members = SqlMembers(unit, [view_from_dict(known)] if known else [])
        services = rt.services_on(unit, members)
        timed_out = loaded.expired(now)
        if stored is not None and stored.state.phone != hop.phone:
            raise SessionMismatch("sessionId belongs to another phone number")
        event: Resumption
        if stored is not None and not timed_out:
            if stored.history_digest == digest:
                return Screen(stored.reply, stored.reply_end)  # a replay: same answer, nothing re-run
            consumed = stored.consumed
            if len(hop.inputs) < consumed:
                # An older hop arriving late (AT's history only grows): answering it with the
                # screen shown now is all it may do; its last key belonged to an earlier screen.
                return Screen(stored.reply, stored.reply_end)
            known_history = rt.digest(hop.inputs[:consumed]) == stored.history_digest
            event = Typed(*hop.inputs[consumed:]) if known_history else Typed(*hop.inputs[-1:])
        else:
            stored = StoredSession(_new_state(rt, hop, loaded, members, now, offered=not timed_out),
                                   extra={"started": now})
            event = TimedOut() if timed_out else Typed(*hop.inputs)
        definition = rt.menus.get(stored.state.menu_version) or rt.menus.current()
        shown_before, offered = stored.state.node, stored.state.offer is not None
        outcome = resume(definition, stored.state, event, services)
        stored.state = outcome.state
        stored.history_digest, stored.consumed = digest, len(hop.inputs)
        _keep_member(stored, members, outcome.effects)
        stored.reply, stored.reply_end = outcome.screen.text, outcome.screen.end
        usage = _usage(rt, stored, shown_before, len(event.keys) if isinstance(event, Typed) else 0, hop.network,
                       resumed=offered and stored.state.offer is None)
        over_at = rt.drops.over_at(stored.extra.get("started", now), now, hop.network, rt.sessions.ttl)
        if rt.sessions.save(stored, loaded.rev, now, usage, digest, over_at=over_at,
                            remember_for=rt.drops.resume_seconds):
            break
        unit.rollback()  # another hop of this session won the race: read again, decide again
    else:
        raise SessionBusy(f"session {hop.session_id!r} kept changing under us")
    if outcome.effects:
        try:
            apply_effects(outcome.effects, Sinks(members=members, guards=rt.guards, redis=rt.clients.redis,
                                                  session=unit.session, sms=rt.sms, session_id=hop.session_id))
        except Exception:
            rt.sessions.delete(hop.session_id)  # do not replay a success the database never saw
            raise
    result, phone = "end" if outcome.screen.end else "screen", mask(hop.phone)
    log.info("hop session=%s phone=%s screen=%s outcome=%s", hop.session_id, phone, stored.state.node, result,
             extra={"event": "hop", "session": hop.session_id, "phone": phone, "network": hop.network,
                    "screen": stored.state.node, "outcome": result})
    return outcome.screen


def _claim(rt: Runtime, hop: Hop, digest: str) -> Loaded:
    """The session, loaded with the claim to run this hop. While another copy of this very hop
    holds it (a gateway's retry arriving with it), wait: its answer is this one's too, and the
    hop runs once, its PIN tries counted once."""
    deadline = time.monotonic() + TWIN_WAIT_SECONDS
    while True:
        loaded = rt.sessions.load(hop.session_id, hop.phone, claim=digest)
        if loaded.stored is not None and loaded.stored.history_digest == digest:
            if loaded.claimed:
                rt.sessions.release(hop.session_id, digest)  # a replay runs nothing: the claim is not needed
            return loaded
        if loaded.claimed:
            return loaded
        if time.monotonic() > deadline:
            raise SessionBusy(f"session {hop.session_id!r}: the copy of this hop running gave no answer")
        time.sleep(0.005)


def _keep_member(stored: StoredSession, members: SqlMembers, effects: list[Effect]) -> None:
    """Keep the member read on this hop for the next hops; after a change, read it again."""
    ssn = stored.state.member
    changed = any(e.changes_member for e in effects)
    view = members.peek(ssn) if ssn and not changed else None
    if view is not None:
        stored.extra["member"] = view_to_dict(view)
    elif changed or not ssn:
        stored.extra.pop("member", None)


def _usage(rt: Runtime, stored: StoredSession, shown_before: str | None, typed: int,
           network: str, resumed: bool = False) -> tuple[str, dict[str, int]]:
    """This hop's part of the day's figures: nodes this session reaches for the first time, the
    keys typed (and refused) at the screen that was showing, and a dropped session taken up again
    (counted at the screen it dropped on)."""
    state = stored.state
    lang, net = state.lang, network or "-"
    seen = set(stored.extra.get("seen", []))
    counts: dict[str, int] = {}
    for node in dict.fromkeys(state.visited):
        if node not in seen:
            counts[f"reach|{lang}|{net}|{node}"] = 1
            seen.add(node)
    stored.extra["seen"] = sorted(seen)
    if resumed and state.resumed_from:
        counts[f"resumed|{lang}|{net}|{state.resumed_from}"] = 1
    if shown_before and typed:
        counts[f"inputs|{lang}|{net}|{shown_before}"] = typed
        if state.invalid:
            counts[f"invalid|{lang}|{net}|{shown_before}"] = state.invalid
    return rt.clock.today().isoformat(), counts


def _new_state(rt: Runtime, hop: Hop, loaded: Loaded, members: SqlMembers, now: float,
               offered: bool) -> SessionState:
    """A new session's state. A plain dial soon after this phone's session dropped mid-way is
    offered to continue that one, in that one's language (a dial with keys goes where they say)."""
    definition = rt.menus.current(loaded.menu_version)
    member = members.linked_to_phone(hop.phone)
    earlier = drops.offer(rt, hop.phone, hop.session_id, loaded.earlier, now, definition) \
        if offered and not hop.inputs else None
    lang = earlier["lang"] if earlier else member.language if member else loaded.guest_language
    if lang not in definition.languages:
        lang = definition.default_language
    return SessionState(session_id=hop.session_id, phone=hop.phone, menu_version=definition.version, lang=lang,
                        network=hop.network, service_code=hop.service_code,
                        member=member.ssn if member else None, offer=earlier)
