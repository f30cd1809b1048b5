"""Sessions the network drops: offered again on redial, and the result they stood on sent by SMS.

    hop saved, waiting for input --> the phone's latest open session (resume on redial) and the
                                     drop watch, until the network's time limit is surely up
    AT's notice Failed/Incomplete --\\
    the watch's time is up (sweep) --+--> settle(): taken off the watch by one of them only;
                                     the drop counted; the result's SMS, once (outbox key)
    AT's notice Success ------------> nothing to offer, nothing to send

What a result's SMS is comes from the menu (an action node's `if_dropped`, engine/redial.py);
the phone may have turned it off (phone_settings). Such SMS are confirmations: quiet hours do
not hold them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sms import outbox
from ussd_app.actions.drop_sms import answers_by_sms_on
from ussd_app.core import keys
from ussd_app.core.extensions import Unit
from ussd_app.engine.redial import resume_point, sms_if_dropped
from ussd_app.engine.state import SessionState
from ussd_app.members.repository import SqlMembers
from ussd_app.text.phones import mask
from ussd_app.ussd.sessions import STATS_DAYS, StoredSession

if TYPE_CHECKING:
    from ussd_app.engine.model import Definition
    from ussd_app.ussd.runtime import Runtime

log = logging.getLogger(__name__)

DROPPED = ("failed", "incomplete")  # AT's statuses for a session that did not end with our END


@dataclass(frozen=True)
class DropPolicy:
    resume_seconds: int  # a redial this soon after the last screen is offered to continue
    limits: Mapping[str, int] = field(default_factory=dict)  # network code -> seconds a session may last
    default_limit: int = 180

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> DropPolicy:
        limits: dict[str, int] = {}
        for part in str(cfg["USSD_OPERATOR_TIMEOUT_SECONDS"]).split(","):
            code, sep, seconds = part.strip().partition("=")
            if not part.strip():
                continue
            if not sep or not seconds.strip().isdigit() or int(seconds) <= 0:
                raise ValueError(f"USSD_OPERATOR_TIMEOUT_SECONDS: {part.strip()!r} is not CODE=SECONDS")
            limits[code.strip()] = int(seconds)
        default = limits.pop("*", 180)
        return cls(resume_seconds=max(0, int(cfg["USSD_RESUME_MINUTES"])) * 60, limits=limits, default_limit=default)

    def limit(self, network: str) -> int:
        return self.limits.get(network, self.default_limit)

    def over_at(self, started: float, now: float, network: str, ttl: int) -> float:
        """When a session waiting for input has surely dropped if no hop came: the network's limit
        from its start, or our own session time, whichever is first (if the limit is already past,
        the network lets sessions run longer than it says: our own time then)."""
        end = min(started + self.limit(network), now + ttl)
        return end if end > now else now + ttl


def offer(rt: Runtime, phone: str, session_id: str, earlier: StoredSession | None, now: float,
          definition: Definition) -> dict[str, Any] | None:
    """What a new session of `phone` may offer to continue: the phone's latest session, if it did
    not end, its last screen was sent within the resume window, and its screen is still in the menu."""
    policy = rt.drops
    if earlier is None or policy.resume_seconds <= 0:
        return None
    state = earlier.state
    if state.session_id == session_id or state.phone != phone or now - earlier.saved_at > policy.resume_seconds:
        return None
    point = resume_point(definition, state)
    return point.to_dict() if point is not None else None


def on_notice(rt: Runtime, session_id: str, phone: str, status: str) -> None:
    """AT's end-of-session notice."""
    status = status.strip().lower()
    if status == "success":
        rt.sessions.ended_well(session_id, phone)
    elif status in DROPPED:
        settle(rt, session_id, f"AT: {status}")


def sweep(rt: Runtime, batch: int = 500, batches: int = 20) -> int:
    """Sessions whose time is up with no hop and no notice: settled as dropped. Returns how many.

    In batches, until none is due (or `batches` of them: the next run goes on)."""
    settled = 0
    for _ in range(batches):
        due = rt.sessions.drops_due(rt.clock.now().timestamp(), batch)
        for session_id in due:
            settled += settle(rt, session_id, "timed out")
        if len(due) < batch:
            break
    return settled


def settle(rt: Runtime, session_id: str, cause: str) -> bool:
    """The drop of one session, dealt with once: counted, and its result sent if it stood on one."""
    if not rt.sessions.claim_drop(session_id):
        return False  # the other path (notice or sweep) has it, or it ended normally
    stored = rt.sessions.load(session_id, "").stored
    if stored is None or stored.state.ends:
        return False
    state = stored.state
    _count(rt, state)
    try:
        with rt.clients.unit() as unit:
            sent = _send_result(rt, unit, state)
    except Exception:
        # Back on the watch, due now: the next sweep tries again (the outbox key keeps it to one SMS).
        rt.clients.redis.zadd(keys.DROP_WATCH, {session_id: rt.clock.now().timestamp()})
        raise
    log.info("session=%s phone=%s dropped at %s (%s)%s", session_id, mask(state.phone), state.node, cause,
             f"; its result goes by SMS ({sent})" if sent else "")
    return True


def _send_result(rt: Runtime, unit: Unit, state: SessionState) -> str:
    definition = rt.menus.get(state.menu_version) or rt.menus.current()
    members = SqlMembers(unit)
    services = rt.services_on(unit, members)
    requests = sms_if_dropped(definition, state, services)
    if not requests:
        return ""
    linked = members.linked_to_phone(state.phone) is not None
    if not answers_by_sms_on(services.extra["phone_settings"], state.phone, linked):
        log.info("session=%s: the phone turned off results by SMS", state.session_id)
        return ""
    ids = []
    for n, asked in enumerate(requests):
        message = outbox.add(unit.session, rt.sms.templates, recipient=asked.phone, kind=asked.kind,
                             language=asked.language, values=asked.values, key=f"dropped:{state.session_id}:{n}",
                             member_id=members.member_id(asked.member) if asked.member else None)
        if message is not None:
            ids.append(message.id)
    unit.session.commit()
    if ids:
        rt.sms.enqueue(ids)
    return ", ".join(r.kind for r in requests)


def _count(rt: Runtime, state: SessionState) -> None:
    day = rt.clock.today().isoformat()
    key = keys.USSD_STATS.format(day=day)
    pipe = rt.clients.redis.pipeline(transaction=False)
    pipe.hincrby(key, f"dropped|{state.lang}|{state.network or '-'}|{state.node or ''}", 1)
    pipe.expire(key, STATS_DAYS * 86400)
    pipe.execute()
