"""USSD sessions in Redis: one hash per session, read in one round trip, written with
compare-and-set so that two hops of one session arriving at once cannot corrupt it.

The key outlives the session by GRACE seconds, so a hop that arrives after the session timed out
is recognised as such (a "timed-out resume") instead of being taken for a new dial.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import orjson
import redis

from ussd_app.core import keys
from ussd_app.engine.state import SessionState

GRACE_SECONDS = 3600
CLAIM_MS = 2000  # longer than any hop takes (faults answer within 1 s)

# Writes only if the revision is still the one we read ("" = the key must not exist yet); then,
# and only then, counts the hop in the day's usage figures (KEYS[2]): a lost race counts nothing.
# KEYS[3], the hop's claim, goes with the write: copies waiting on it find the answer.
# KEYS[4], the phone's latest open session (for ARGV[7] seconds), and KEYS[5], the sessions
# watched for a drop: a session that ended (ARGV[6] = 1) leaves both; one that waits for input is
# in both, watched until ARGV[8], when it is surely over if no hop came (ussd/drops.py).
_CAS = """
local current = redis.call('HGET', KEYS[1], 'rev')
if (current or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'rev', ARGV[2], 'body', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('DEL', KEYS[3])
if ARGV[6] == '1' then
  redis.call('ZREM', KEYS[5], ARGV[9])
else
  redis.call('ZADD', KEYS[5], ARGV[8], ARGV[9])
end
if ARGV[6] == '0' and ARGV[7] ~= '0' then
  redis.call('SET', KEYS[4], ARGV[9], 'EX', ARGV[7])
elseif redis.call('GET', KEYS[4]) == ARGV[9] then
  redis.call('DEL', KEYS[4])
end
for i = 10, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1])
end
if #ARGV >= 10 then redis.call('EXPIRE', KEYS[2], ARGV[5]) end
return 1
"""
# The session, the phone's guest language and the current menu version, and (ARGV[1] not empty)
# the claim to run this hop: one command, one round trip. KEYS: session, language, menu, claim,
# the phone's latest open session. For a session not seen yet, that latest one comes too (a
# resume may be offered); ARGV[2] is the session keys' prefix.
_LOAD = """
local s = redis.call('HMGET', KEYS[1], 'rev', 'body')
local claimed = 1
if ARGV[1] ~= '' then
  claimed = redis.call('SET', KEYS[4], 1, 'NX', 'PX', ARGV[1]) and 1 or 0
end
local earlier = false
if not s[2] then
  local last = redis.call('GET', KEYS[5])
  if last then earlier = redis.call('HGET', ARGV[2] .. last, 'body') end
end
return {s[1], s[2], redis.call('GET', KEYS[2]), redis.call('GET', KEYS[3]), claimed, earlier}
"""
_SESSION_PREFIX = keys.SESSION.format(session_id="")
# The phone's latest open session is forgotten only if it is still this one (a newer one may have begun).
_FORGET_LAST = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
STATS_DAYS = 40  # a day's figures stay in Redis this long; the nightly roll-up keeps them in the database


@dataclass
class StoredSession:
    """The engine's state plus what the host keeps to answer replays (never a PIN)."""

    state: SessionState
    expires_at: float = 0.0
    saved_at: float = 0.0  # when its last screen was sent
    history_digest: str = ""  # keyed hash of the inputs so far (they may contain a PIN)
    consumed: int = 0  # how many inputs of the gateway's history have been applied
    reply: str = ""
    reply_end: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return orjson.dumps(
            {"state": self.state.to_dict(), "expires_at": self.expires_at, "saved_at": self.saved_at,
             "history_digest": self.history_digest,
             "consumed": self.consumed, "reply": self.reply, "reply_end": self.reply_end, "extra": self.extra})

    @classmethod
    def from_json(cls, raw: str | bytes) -> StoredSession:
        data = orjson.loads(raw)
        return cls(state=SessionState.from_dict(data["state"]), expires_at=data["expires_at"],
                   saved_at=data.get("saved_at", 0.0), history_digest=data["history_digest"],
                   consumed=data["consumed"], reply=data["reply"], reply_end=data["reply_end"],
                   extra=data.get("extra") or {})


@dataclass
class Loaded:
    stored: StoredSession | None
    rev: str  # "" when there is no key
    guest_language: str | None
    menu_version: str | None  # the version new sessions start on, if Redis knows it
    claimed: bool = True  # no other copy of this very hop is being run right now
    earlier: StoredSession | None = None  # for a new session: the phone's latest one that did not end

    def expired(self, now: float) -> bool:
        return self.stored is not None and now > self.stored.expires_at


class SessionStore:
    def __init__(self, client: redis.Redis, ttl: int) -> None:
        self.redis = client
        self.ttl = ttl
        self._cas = client.register_script(_CAS)
        self._load = client.register_script(_LOAD)
        self._forget_last = client.register_script(_FORGET_LAST)

    def load(self, session_id: str, phone: str, claim: str = "") -> Loaded:
        """The session, the phone's guest language and the current menu version, in one round trip.

        `claim` (the hop's digest): also claim the right to run this hop, so that copies of it
        arriving together (a gateway's retries) run it once; the others wait for its answer."""
        rev, body, lang, menu, claimed, earlier = self._load(
            keys=[keys.SESSION.format(session_id=session_id), keys.GUEST_LANGUAGE.format(phone=phone),
                  keys.MENU_CURRENT, keys.HOP_CLAIM.format(session_id=session_id, digest=claim),
                  keys.LAST_SESSION.format(phone=phone)],
            args=[CLAIM_MS if claim else "", _SESSION_PREFIX])
        stored = StoredSession.from_json(body) if body else None
        return Loaded(stored, rev.decode() if rev else "", lang.decode() if lang else None,
                      menu.decode() if menu else None, claimed=bool(claimed),
                      earlier=StoredSession.from_json(earlier) if earlier else None)

    def release(self, session_id: str, claim: str) -> None:
        self.redis.delete(keys.HOP_CLAIM.format(session_id=session_id, digest=claim))

    def save(self, stored: StoredSession, expected_rev: str, now: float | None = None,
             stats: tuple[str, dict[str, int]] | None = None, claim: str = "", over_at: float | None = None,
             remember_for: int = 0) -> bool:
        """Write if nobody else wrote since `expected_rev` was read. False means: read again.

        `stats`: (the day, {field: increment}) for the usage figures, applied with the write.
        A session that waits for input is, for `remember_for` seconds, the phone's latest open
        one, and is watched for a drop until `over_at`; one that ended leaves both."""
        now = time.time() if now is None else now
        stored.expires_at = now + self.ttl
        stored.saved_at = now
        state = stored.state
        new_rev = str(int(expected_rev or 0) + 1)
        key = keys.SESSION.format(session_id=state.session_id)
        day, counts = stats or ("", {})
        args: list[str | int | float | bytes] = [
            expected_rev, new_rev, stored.to_json(), self.ttl + GRACE_SECONDS, STATS_DAYS * 86400,
            "1" if state.ends else "0", max(0, int(remember_for)),
            over_at if over_at is not None else now + self.ttl, state.session_id]
        for name, increment in counts.items():
            args += [name, increment]
        claim_key = keys.HOP_CLAIM.format(session_id=state.session_id, digest=claim)
        done = self._cas(keys=[key, keys.USSD_STATS.format(day=day), claim_key,
                               keys.LAST_SESSION.format(phone=state.phone), keys.DROP_WATCH], args=args)
        return bool(done)

    def delete(self, session_id: str) -> None:
        self.redis.delete(keys.SESSION.format(session_id=session_id))

    def claim_drop(self, session_id: str) -> bool:
        """Take a watched session off the watch: True for the one caller that does (AT's notice
        and the timeout sweep may both come for it; one of them deals with the drop)."""
        return bool(self.redis.zrem(keys.DROP_WATCH, session_id))

    def drops_due(self, now: float, limit: int = 500) -> list[str]:
        """Watched sessions that are surely over by `now`: no hop came back in time."""
        found: list[bytes] = self.redis.zrangebyscore(keys.DROP_WATCH, "-inf", now, start=0, num=limit)  # type: ignore[assignment]
        return [raw.decode() for raw in found]

    def ended_well(self, session_id: str, phone: str) -> None:
        """AT says the session ended normally: nothing to offer again, nothing to send."""
        self.redis.zrem(keys.DROP_WATCH, session_id)
        self._forget_last(keys=[keys.LAST_SESSION.format(phone=phone)], args=[session_id])
