"""check_identity on its own: the outcomes the menu cannot always reach by walking."""

from __future__ import annotations

from datetime import date

import ussd_app.actions  # noqa: F401  (registers the actions)
from tests.unit.engine_fakes import FakeCounters, FakeMembers, member, services
from ussd_app.actions.identity import check_identity
from ussd_app.engine.context import Ctx
from ussd_app.engine.effects import LinkAttemptFailed
from ussd_app.engine.state import SessionState


def ctx_for(members: FakeMembers, phone: str, ssn: str, dob: str, counters: FakeCounters | None = None) -> Ctx:
    state = SessionState("s", phone, "1", "en", data={"ssn": ssn, "dob": dob})
    return Ctx(definition=None, state=state, services=services(members, counters))  # type: ignore[arg-type]


def test_phone_already_linked_to_another_member_is_refused_without_counting_a_failure():
    shared = "+8562055511111"
    members = FakeMembers({
        "1000001": member("1000001", shared, linked=True),
        "1000002": member("1000002", shared, linked=False, date_of_birth=date(1990, 1, 2)),
    })
    result = check_identity(ctx_for(members, shared, "1000002", "1990-01-02"), {})
    assert result.outcome == "linked_elsewhere"
    assert result.effects == []


def test_match_keeps_birth_date_for_the_pin_check_and_drops_the_ssn():
    members = FakeMembers({"1000002": member("1000002", "+8562055511111", linked=False,
                                             date_of_birth=date(1990, 1, 2))})
    result = check_identity(ctx_for(members, "+8562055511111", "1000002", "1990-01-02"), {})
    assert result.outcome == "ok"
    assert result.data == {"ssn": None, "link_member": "1000002"}


def test_last_failure_blocks():
    members = FakeMembers({"1000002": member("1000002", "+8562055511111", linked=False)})
    counters = FakeCounters(link={"+8562055511111": 2})
    result = check_identity(ctx_for(members, "+8562055511111", "1000002", "1999-09-09", counters), {})
    assert result.outcome == "blocked"
    assert result.effects == [LinkAttemptFailed("+8562055511111", blocked=True)]
