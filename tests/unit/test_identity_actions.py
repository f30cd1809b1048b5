"""check_identity on its own: the outcomes the menu cannot always reach by walking."""

from __future__ import annotations

from datetime import date

from tests.unit.engine_fakes import FakeMembers, fake_guards, member, services
from ussd_app.actions.identity import check_identity
from ussd_app.engine.context import Ctx
from ussd_app.engine.effects import LinkAttemptFailed
from ussd_app.engine.state import SessionState
from ussd_app.ussd.guards import UssdGuards


def ctx_for(members: FakeMembers, phone: str, ssn: str, dob: str, guards: UssdGuards | None = None) -> Ctx:
    state = SessionState("s", phone, "1", "en", data={"ssn": ssn, "dob": dob})
    return Ctx(definition=None, state=state, services=services(members, guards))  # type: ignore[arg-type]


def test_phone_already_linked_to_another_member_is_refused_without_counting_a_failure():
    shared = "+8562055511111"
    members = FakeMembers({
        "1000001": member("1000001", shared, linked=True),
        "1000002": member("1000002", shared, linked=False, date_of_birth=date(1990, 1, 2)),
    })
    guards = fake_guards()
    result = check_identity(ctx_for(members, shared, "1000002", "1990-01-02", guards), {})
    assert result.outcome == "linked_elsewhere"
    assert result.effects == []
    # The identity matched: nothing counted against the phone or the SSN.
    assert guards.link_check(shared, "1000002", matched=False).tries_left == 2


def test_match_keeps_birth_date_for_the_pin_check_and_drops_the_ssn():
    members = FakeMembers({"1000002": member("1000002", "+8562055511111", linked=False,
                                             date_of_birth=date(1990, 1, 2))})
    result = check_identity(ctx_for(members, "+8562055511111", "1000002", "1990-01-02"), {})
    assert result.outcome == "ok"
    assert result.data == {"ssn": None, "link_member": "1000002"}


def test_last_failure_blocks():
    members = FakeMembers({"1000002": member("1000002", "+8562055511111", linked=False)})
    guards = fake_guards()
    guards.link_check("+8562055511111", "1000009", False), guards.link_check("+8562055511111", "1000008", False)
    result = check_identity(ctx_for(members, "+8562055511111", "1000002", "1999-09-09", guards), {})
    assert result.outcome == "blocked"
    assert result.effects == [LinkAttemptFailed("+8562055511111", blocked=True)]
    assert guards.link_blocked("+8562055511111")


def test_tries_on_one_ssn_from_many_phones_block_that_ssn():
    """A caller who can vary phoneNumber still gets LINK_MAX_TRIES tries at one SSN."""
    members = FakeMembers({"1000002": member("1000002", "+8562055511111", linked=False,
                                             date_of_birth=date(1990, 1, 2))})
    guards = fake_guards()
    outcomes = [check_identity(ctx_for(members, f"+85620555{i:05d}", "1000002", f"1990-01-{i + 10}", guards),
                               {}).outcome for i in range(5)]
    assert outcomes == ["mismatch", "mismatch", "blocked", "blocked", "blocked"]
    # Even the right date of birth, from the right phone, is not checked now.
    assert check_identity(ctx_for(members, "+8562055511111", "1000002", "1990-01-02", guards), {}).outcome == "blocked"
