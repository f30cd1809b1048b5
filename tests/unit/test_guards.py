"""One behaviour, two implementations: the guards in memory (simulator, engine tests) and in Redis
(the service; fakeredis here, the real Redis in tests/integration/test_guard_races.py)."""

from __future__ import annotations

import fakeredis
import pytest

from ussd_app.ussd.guards import MemoryGuard, Policy, RedisGuard, Window

MIN, HOUR, DAY = 60, 3600, 86400
PIN_LIKE = Policy("pin", (Window(3, 30 * MIN, 30 * MIN), Window(10, DAY, DAY)), grow=True)
ONE_WINDOW = Policy("link", (Window(3, DAY, DAY),))


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture(params=["memory", "redis"])
def make(request):  # type: ignore[no-untyped-def]
    clock = Clock()
    server = fakeredis.FakeServer()

    def build(policy: Policy):  # type: ignore[no-untyped-def]
        if request.param == "memory":
            return MemoryGuard(policy, clock)
        return RedisGuard(fakeredis.FakeRedis(server=server), policy, clock)

    build.clock = clock  # type: ignore[attr-defined]
    return build


def test_each_try_is_counted_before_it_is_checked_and_the_last_one_locks(make):
    guard = make(PIN_LIKE)
    tries = [guard.attempt("m") for _ in range(5)]
    assert [(t.allowed, t.tries_left) for t in tries] == [(True, 2), (True, 1), (True, 0), (False, 0), (False, 0)]
    assert tries[2].lock_seconds == 30 * MIN  # what a failure of the last try locks for
    assert 29 * MIN < tries[3].lock_seconds <= 30 * MIN  # refused: how long the lock still lasts
    assert guard.locked_for("m") > 29 * MIN


def test_a_try_that_passed_is_taken_back(make):
    guard = make(PIN_LIKE)
    guard.attempt("m"), guard.attempt("m")
    guard.attempt("m")
    guard.passed("m")  # the third was right
    assert guard.attempt("m").tries_left == 2  # in a row: counting starts again
    assert guard.locked_for("m") == 0


def test_the_lock_ends_and_tries_start_again(make):
    guard = make(PIN_LIKE)
    for _ in range(3):
        guard.attempt("m")
    make.clock.advance(30 * MIN + 1)
    assert guard.attempt("m").tries_left == 2


def test_slow_guessing_locks_for_a_day_at_ten_wrong_tries(make):
    """2 wrong PINs every 31 minutes never lock the in-a-row window, but the day's does."""
    guard = make(PIN_LIKE)
    seen = []
    for _ in range(6):
        seen += [guard.attempt("m").allowed, guard.attempt("m").allowed]
        make.clock.advance(31 * MIN)
    assert seen == [True] * 10 + [False, False]
    assert guard.locked_for("m") > 20 * HOUR


def test_repeated_lockouts_grow(make):
    guard = make(PIN_LIKE)
    locks = []
    for _ in range(3):
        tries = [guard.attempt("m") for _ in range(3)]
        locks.append(tries[-1].lock_seconds)
        guard.struck("m")  # the host records the lockout
        make.clock.advance(tries[-1].lock_seconds + 1)
    # (the third lock also meets the day's window of 10: at most a day)
    assert locks == [30 * MIN, 60 * MIN, 120 * MIN]


def test_any_subject_used_up_refuses_the_try(make):
    """Identity checks count per phone and per SSN: varying the phone does not help."""
    guard = make(ONE_WINDOW)
    answers = [guard.attempt(f"phone:{i}", "ssn:1").allowed for i in range(5)]
    assert answers == [True, True, True, False, False]
    assert guard.attempt("phone:9", "ssn:2").allowed  # another SSN from a new phone is fine
    assert guard.attempt("phone:0", "ssn:2").allowed  # and phone:0 has tries left too


def test_refused_tries_do_not_count_towards_the_days_window(make):
    guard = make(PIN_LIKE)
    for _ in range(3):
        guard.attempt("m")
    for _ in range(20):
        assert not guard.attempt("m").allowed  # hammering while locked
    make.clock.advance(30 * MIN + 1)
    assert guard.attempt("m").allowed  # 4th counted try of the day, not the 24th


def test_judged_tries_count_only_the_wrong_ones(make):
    guard = make(PIN_LIKE)
    assert [guard.judge("m", right=False).tries_left for _ in range(2)] == [2, 1]
    right = guard.judge("m", right=True)
    assert right.allowed and right.lock_seconds == 0
    assert guard.judge("m", right=False).tries_left == 2  # the right one cleared the tries in a row
    for _ in range(20):
        assert guard.judge("m", right=True).allowed  # right PINs never use anything up
    assert guard.locked_for("m") == 0


def test_a_judged_right_try_is_refused_while_locked(make):
    guard = make(PIN_LIKE)
    verdicts = [guard.judge("m", right=False) for _ in range(3)]
    assert [v.tries_left for v in verdicts] == [2, 1, 0] and verdicts[-1].lock_seconds == 30 * MIN
    refused = guard.judge("m", right=True)
    assert not refused.allowed and 29 * MIN < refused.lock_seconds <= 30 * MIN
    make.clock.advance(30 * MIN + 1)
    assert guard.judge("m", right=True).allowed


def test_judged_wrong_tries_still_fill_the_days_window(make):
    guard = make(PIN_LIKE)
    for _ in range(4):  # wrong, wrong, right: the in-a-row count starts again, the day's does not
        guard.judge("m", right=False), guard.judge("m", right=False), guard.judge("m", right=True)
    assert guard.judge("m", right=False).tries_left == 1  # the 9th wrong today
    tenth = guard.judge("m", right=False)
    assert tenth.tries_left == 0 and tenth.lock_seconds == DAY
    assert not guard.judge("m", right=True).allowed
