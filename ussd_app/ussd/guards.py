"""Race-free guards on tries: PINs, identity checks, admin sign-ins.

A try is counted and judged in one atomic step, so parallel sessions get no more verdicts than
the limit. Two ways to use a guard:

- `judge(subject, right)`: for checks that cost next to nothing (a PIN against its hash, an SSN
  and a date of birth against the record). The caller compares first, keeps the verdict to
  itself, and the guard decides in one Lua script whether that verdict may be told: refused
  while the subject is locked; a wrong try is counted (and the one that uses up the limit starts
  the lock); a right one clears the tries in a row. Of 40 wrong PINs sent at once, exactly
  `max_tries` are told "wrong", and one of them starts the lock; right PINs never count, so a
  member's own parallel sessions cannot lock them out, and nothing is left to take back if the
  hop fails afterwards.
- `attempt(subject)` then `passed(subject)`: for checks that are dear (an admin's password
  hash): the try is counted before the check is even made, and a try that passes is
  un-counted.

    Window(max_tries=3, seconds=1800, lock_seconds=1800)   3 tries per 30 min, then 30 min locked
    Window(max_tries=10, seconds=86400, lock_seconds=86400)  and 10 per day, then a day

With `grow`, each lockout remembered (`struck`) doubles the next lock of the first window, up to
the longest lock of the policy. Two implementations of one behaviour: Redis (one Lua script per
try) and memory (the simulator, the engine's tests); tests/unit/test_guards.py runs both.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import redis

from ussd_app.core import keys, metrics
from ussd_app.engine import effects as fx
from ussd_app.engine.ports import Limits, Try

STRIKE_MEMORY_SECONDS = 7 * 86400


@dataclass(frozen=True)
class Window:
    max_tries: int
    seconds: int  # tries are remembered this long from the first one
    lock_seconds: int  # how long the subject stays locked once max_tries are used up


@dataclass(frozen=True)
class Policy:
    name: str
    windows: tuple[Window, ...]
    grow: bool = False

    @property
    def cap(self) -> int:
        return max(w.lock_seconds for w in self.windows)

    def lock_of(self, index: int, strikes: int) -> int:
        lock = self.windows[index].lock_seconds
        return min(lock * 2 ** strikes, self.cap) if self.grow and index == 0 else lock


class Guard(Protocol):
    policy: Policy

    def attempt(self, *subjects: str) -> Try: ...
    def judge(self, *subjects: str, right: bool) -> Try: ...
    def passed(self, *subjects: str) -> None: ...
    def struck(self, *subjects: str) -> None: ...
    def locked_for(self, subject: str) -> int: ...


# Each counter is a hash {n, till}: `till` on the app's clock (tests move it), the key's own TTL
# only cleans up. KEYS: per subject, one counter per window, then its strikes counter.
# ARGV: now, windows, grow (0/1), cap, right (1: a judged right try; 0: a try to count), then
# max, seconds, lock per window.
# Returns {allowed, tries_left, seconds}: refused, how long still; allowed, how long a failure locks.
_ATTEMPT = """
local now, nw, grow, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]) == 1, tonumber(ARGV[4])
local right = tonumber(ARGV[5]) == 1
local per = nw + 1
local function arg(w, i) return tonumber(ARGV[5 + (w - 1) * 3 + i]) end
local function read(key)
  local n, till = unpack(redis.call('HMGET', key, 'n', 'till'))
  if not n or tonumber(till) <= now then return 0, 0 end
  return tonumber(n), tonumber(till)
end
local refused, wait = false, 0
for s = 0, #KEYS / per - 1 do
  for w = 1, nw do
    local n, till = read(KEYS[s * per + w])
    if n >= arg(w, 1) then
      refused, wait = true, math.max(wait, till - now)
    end
  end
end
if refused then return {0, 0, math.ceil(wait)} end
if right then
  for s = 0, #KEYS / per - 1 do redis.call('DEL', KEYS[s * per + 1]) end
  return {1, arg(1, 1), 0}
end
local left, lock_on_fail = 1000000, 0
for s = 0, #KEYS / per - 1 do
  local strikes = read(KEYS[s * per + per])
  for w = 1, nw do
    local key, max, lock = KEYS[s * per + w], arg(w, 1), arg(w, 3)
    if grow and w == 1 then lock = math.min(lock * 2 ^ strikes, cap) end
    local n, till = read(key)
    n = n + 1
    if n == 1 then till = now + arg(w, 2) end
    if n >= max then
      till = now + lock
      lock_on_fail = math.max(lock_on_fail, lock)
    end
    redis.call('HSET', key, 'n', n, 'till', till)
    redis.call('EXPIRE', key, math.ceil(till - now) + 60)
    left = math.min(left, max - n)
  end
end
return {1, left, math.floor(lock_on_fail)}
"""

# The try passed: the first window counts tries in a row (cleared), the others only failures.
_PASSED = """
local nw = tonumber(ARGV[1])
for s = 0, #KEYS / nw - 1 do
  redis.call('DEL', KEYS[s * nw + 1])
  for w = 2, nw do
    local key = KEYS[s * nw + w]
    if tonumber(redis.call('HGET', key, 'n') or '0') > 0 then redis.call('HINCRBY', key, 'n', -1) end
  end
end
return 1
"""

# A lockout happened: remembered for STRIKE_MEMORY_SECONDS. ARGV: now, memory.
_STRUCK = """
local now, memory = tonumber(ARGV[1]), tonumber(ARGV[2])
for _, key in ipairs(KEYS) do
  local n, till = unpack(redis.call('HMGET', key, 'n', 'till'))
  n = (n and tonumber(till) > now) and tonumber(n) or 0
  redis.call('HSET', key, 'n', n + 1, 'till', now + memory)
  redis.call('EXPIRE', key, memory + 60)
end
return 1
"""


class RedisGuard:
    def __init__(self, client: redis.Redis, policy: Policy, clock: Callable[[], float] = time.time) -> None:
        self.redis = client
        self.policy = policy
        self.clock = clock
        self._attempt = client.register_script(_ATTEMPT)
        self._passed = client.register_script(_PASSED)
        self._struck = client.register_script(_STRUCK)

    def _key(self, subject: str, window: int | str) -> str:
        return keys.GUARD.format(policy=self.policy.name, subject=subject, window=window)

    def attempt(self, *subjects: str) -> Try:
        return self._try(subjects, right=False)

    def judge(self, *subjects: str, right: bool) -> Try:
        return self._try(subjects, right=right)

    def _try(self, subjects: tuple[str, ...], right: bool) -> Try:
        p = self.policy
        names = [k for s in subjects for k in [*(self._key(s, i) for i in range(len(p.windows))), self._key(s, "x")]]
        args: list[float] = [self.clock(), len(p.windows), int(p.grow), p.cap, int(right)]
        for w in p.windows:
            args += [w.max_tries, w.seconds, w.lock_seconds]
        allowed, left, seconds = self._attempt(keys=names, args=args)
        return Try(bool(allowed), max(0, int(left)), max(0, int(seconds)))

    def passed(self, *subjects: str) -> None:
        n = len(self.policy.windows)
        self._passed(keys=[self._key(s, i) for s in subjects for i in range(n)], args=[n])

    def struck(self, *subjects: str) -> None:
        self._struck(keys=[self._key(s, "x") for s in subjects], args=[self.clock(), STRIKE_MEMORY_SECONDS])

    def locked_for(self, subject: str) -> int:
        pipe = self.redis.pipeline(transaction=False)
        for i in range(len(self.policy.windows)):
            pipe.hmget(self._key(subject, i), "n", "till")
        now = self.clock()
        waits = [float(till) - now for w, (n, till) in zip(self.policy.windows, pipe.execute(), strict=True)
                 if n is not None and float(till) > now and int(n) >= w.max_tries]
        return int(max(waits, default=0)) + (1 if waits else 0)


@dataclass
class MemoryGuard:
    """The same behaviour in a dict: `counts` maps a key to [count, expires_at] (JSON-friendly)."""

    policy: Policy
    clock: Callable[[], float] = time.time
    counts: dict[str, list[float]] = field(default_factory=dict)

    def _get(self, key: str) -> list[float]:
        found = self.counts.get(key)
        if found is not None and found[1] <= self.clock():
            del self.counts[key]
            found = None
        return found or [0, 0.0]

    def judge(self, *subjects: str, right: bool) -> Try:
        if not right:
            return self.attempt(*subjects)
        locked = self._refusal(subjects)
        if locked is not None:
            return locked
        for s in subjects:
            self.counts.pop(f"{s}|0", None)
        return Try(True, self.policy.windows[0].max_tries, 0)

    def _refusal(self, subjects: tuple[str, ...]) -> Try | None:
        now = self.clock()
        waits = [self._get(f"{s}|{i}")[1] - now for s in subjects for i, w in enumerate(self.policy.windows)
                 if self._get(f"{s}|{i}")[0] >= w.max_tries]
        return Try(False, 0, int(max(waits))) if waits else None

    def attempt(self, *subjects: str) -> Try:
        p, now = self.policy, self.clock()
        locked = self._refusal(subjects)
        if locked is not None:
            return locked
        left, lock_on_fail = 1_000_000, 0
        for s in subjects:
            strikes = int(self._get(f"{s}|x")[0])
            for i, w in enumerate(p.windows):
                count, expires = self._get(f"{s}|{i}")
                count += 1
                expires = expires if count > 1 else now + w.seconds
                if count >= w.max_tries:
                    lock = p.lock_of(i, strikes)
                    expires, lock_on_fail = now + lock, max(lock_on_fail, lock)
                self.counts[f"{s}|{i}"] = [count, expires]
                left = min(left, w.max_tries - int(count))
        return Try(True, max(0, left), lock_on_fail)

    def passed(self, *subjects: str) -> None:
        for s in subjects:
            self.counts.pop(f"{s}|0", None)
            for i in range(1, len(self.policy.windows)):
                count, expires = self._get(f"{s}|{i}")
                if count > 0:
                    self.counts[f"{s}|{i}"] = [count - 1, expires]

    def struck(self, *subjects: str) -> None:
        for s in subjects:
            count, _ = self._get(f"{s}|x")
            self.counts[f"{s}|x"] = [count + 1, self.clock() + STRIKE_MEMORY_SECONDS]

    def locked_for(self, subject: str) -> int:
        now = self.clock()
        waits = [self._get(f"{subject}|{i}")[1] - now for i, w in enumerate(self.policy.windows)
                 if self._get(f"{subject}|{i}")[0] >= w.max_tries]
        return int(max(waits, default=0))


@dataclass
class UssdGuards:
    """The engine's Guards port (PINs per member; identity checks per phone and per SSN), plus
    what the host calls when it applies the engine's effects."""

    pin: Guard
    link: Guard

    def pin_check(self, member: str, right: bool) -> Try:
        return _counted(self.pin.judge(f"member:{member}", right=right), right, "pin")

    def pin_locked(self, member: str) -> None:
        self.pin.struck(f"member:{member}")

    def pin_changed(self, member: str) -> None:
        self.pin.passed(f"member:{member}")  # a new PIN starts with a clean count

    def link_check(self, phone: str, ssn: str, matched: bool) -> Try:
        return _counted(self.link.judge(f"phone:{phone}", f"ssn:{ssn}", right=matched), matched, "identity")

    def link_blocked(self, phone: str) -> bool:
        return self.link.locked_for(f"phone:{phone}") > 0

    def settle(self, effects: list[fx.Effect]) -> None:
        """What the engine's effects mean for the guards (the web hop and the simulator alike)."""
        for e in effects:
            if isinstance(e, fx.PinChanged):
                self.pin_changed(e.member)
            elif isinstance(e, fx.PinLocked):
                self.pin_locked(e.member)


def _counted(verdict: Try, right: bool, guard: str) -> Try:
    """A wrong try that used up the last one started a lock: counted for the operators' metrics."""
    if not right and verdict.allowed and verdict.tries_left == 0:
        metrics.LOCKOUTS.labels(guard).inc()
    return verdict


def memory_guards(limits: Limits, clock: Callable[[], float] = time.time) -> UssdGuards:
    pin, link = ussd_policies(limits)
    return UssdGuards(pin=MemoryGuard(pin, clock), link=MemoryGuard(link, clock))


def ussd_policies(limits: Limits) -> tuple[Policy, Policy]:
    """The PIN policy (in a row, and per day; repeated lockouts grow) and the identity-check one."""
    short = limits.pin_lock_minutes * 60
    pin = Policy("pin", (Window(limits.pin_max_tries, short, short),
                         Window(limits.pin_daily_max_tries, 86400, limits.pin_daily_lock_hours * 3600)), grow=True)
    link_lock = limits.link_lock_hours * 3600
    link = Policy("link", (Window(limits.link_max_tries, link_lock, link_lock),))
    return pin, link
