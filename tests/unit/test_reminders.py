"""Contribution reminders for voluntary members: who gets one, once, when, and who does not."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from sms import tasks
from sms.models import ReminderRun, RunStatus, SmsMessage, SmsOptOut
from sms.reminders import Calendar, Candidate, decide
from tests.demo_people import ALMOST, BEHIND
from ussd_app.core.extensions import clients
from ussd_app.enrolment.references import payment_reference
from ussd_app.ussd.runtime import runtime_of

CAL = Calendar(due_day=15, days_before=3)


def candidate(last_paid: str | None, paid_upcoming: bool = False, phone: str | None = "+8562055523456") -> Candidate:
    return Candidate(1, "3002345678", phone, "lo", last_paid, paid_upcoming)


def kinds(decisions) -> list[str]:
    return [d.kind.value if d.kind else f"skip:{d.skipped}" for d in decisions]


def test_calendar_periods():
    assert CAL.upcoming(date(2026, 12, 12)) == "2026-11"
    assert CAL.upcoming(date(2026, 12, 15)) == "2026-11"
    assert CAL.upcoming(date(2026, 12, 16)) == "2026-12"
    assert CAL.last_due(date(2026, 12, 16)) == "2026-11"
    assert CAL.due_date("2026-12") == date(2027, 1, 15)


def test_due_reminder_only_in_the_days_before_the_due_day_and_only_if_unpaid():
    assert kinds(decide(candidate("2026-10"), date(2026, 12, 11), CAL, 108000, set())) == ["skip:nothing due"]
    for day in (12, 13, 14, 15):
        assert kinds(decide(candidate("2026-10"), date(2026, 12, day), CAL, 108000, set())) == ["reminder_due"]
    assert kinds(decide(candidate("2026-11", paid_upcoming=True), date(2026, 12, 12), CAL, 108000, set())) == \
        ["skip:already paid"]
    assert kinds(decide(candidate("2026-10"), date(2026, 12, 16), CAL, 108000, set())) == ["skip:nothing due"]


def test_arrears_when_more_than_one_month_behind():
    # On 20 Nov the last period already due is October.
    assert kinds(decide(candidate("2026-09"), date(2026, 11, 20), CAL, 108000, set())) == ["skip:nothing due"]
    [arrears] = decide(candidate("2026-08"), date(2026, 11, 20), CAL, 108000, set())
    assert arrears.kind.value == "reminder_arrears" and arrears.period == "2026-10"
    assert arrears.values["months_behind"] == 2


def test_both_reminders_can_go_the_same_day():
    assert kinds(decide(candidate("2026-06"), date(2026, 12, 13), CAL, 108000, set())) == \
        ["reminder_due", "reminder_arrears"]


def test_no_phone_and_opted_out_are_skipped():
    assert kinds(decide(candidate("2026-06", phone=None), date(2026, 12, 13), CAL, 1, set())) == \
        ["skip:no phone on file"]
    assert kinds(decide(candidate("2026-06"), date(2026, 12, 13), CAL, 1, {"+8562055523456"})) == \
        ["skip:opted out"]


def reminders(app) -> list[SmsMessage]:
    clients(app).queue.drain()
    with clients(app).sessions() as s:
        return list(s.execute(select(SmsMessage).where(SmsMessage.kind.like("reminder%"))
                              .order_by(SmsMessage.id)).scalars())


def test_reminder_run_queues_once_per_member_and_period(app, runner):
    result = runner.invoke(args=["sms", "send-reminders", "--date", "2026-12-13"])
    assert result.exit_code == 0, result.output
    sent = reminders(app)
    by_phone = {(m.recipient, m.kind) for m in sent}
    assert (BEHIND, "reminder_due") in by_phone and (BEHIND, "reminder_arrears") in by_phone
    assert (ALMOST, "reminder_due") in by_phone and (ALMOST, "reminder_arrears") not in by_phone
    assert f"queued {len(sent)} reminders" in result.output
    due = next(m for m in sent if m.recipient == BEHIND and m.kind == "reminder_due")
    minimum = runtime_of(app).rules.schemes["voluntary"].minimum_monthly_lak  # 9% of the minimum wage
    assert "11/2026" in due.body and "15/12/2026" in due.body and f"{minimum:,} ກີບ" in due.body
    assert "ຢຸດ" in due.body and "STOP" in due.body
    behind_id = session_member_id(app, BEHIND)
    assert payment_reference(behind_id) in due.body  # how to pay: the reference to quote
    # Run again the same day (cron and a person, say): nothing new.
    again = runner.invoke(args=["sms", "send-reminders", "--date", "2026-12-13"])
    assert "queued 0 reminders" in again.output and "already sent" in again.output
    assert len(reminders(app)) == len(sent)


def test_dry_run_queues_nothing_and_says_what_would_go(app, runner):
    result = runner.invoke(args=["sms", "send-reminders", "--dry-run", "--date", "2026-12-13"])
    assert result.exit_code == 0
    assert "would queue" in result.output and "dry run" in result.output
    assert reminders(app) == []
    with clients(app).sessions() as s:
        run = s.execute(select(ReminderRun)).scalar_one()
        assert run.dry_run and run.status == "done" and run.selected > 0


def test_opted_out_member_gets_no_reminder(app, client, runner):
    client.post("/sms/africastalking/inbound", data={"from": BEHIND, "to": "21212", "text": "ຢຸດ", "id": "in-9",
                                                    "date": "", "linkId": ""})
    result = runner.invoke(args=["sms", "send-reminders", "--date", "2026-12-13"])
    assert "opted out" in result.output
    assert BEHIND not in {m.recipient for m in reminders(app)}
    with clients(app).sessions() as s:
        assert s.get(SmsOptOut, BEHIND).opted_out


def test_summary_counts_every_member_and_the_run_is_recorded(app, runner):
    result = runner.invoke(args=["sms", "send-reminders", "--date", "2026-11-20"])
    assert result.exit_code == 0
    with clients(app).sessions() as s:
        run = s.execute(select(ReminderRun)).scalar_one()
    assert run.status == "done" and run.processed == run.selected
    assert f"selected {run.selected} voluntary members" in result.output
    assert f"queued {run.queued} reminders" in result.output


def test_reminders_queued_at_night_wait_for_the_morning(app):
    """(Runs otherwise happen at the app's frozen 10:00 in Vientiane; quiet hours are 20:00-08:00.)"""
    night = datetime(2026, 12, 12, 16, 0, tzinfo=timezone.utc)  # 23:00 in Vientiane
    runtime_of(app).clock.set(night)
    tasks.run_reminders(app, date(2026, 12, 13))
    queued = [m for m in reminders(app) if m.status == "queued"]
    assert queued, "night reminders must wait"
    for message in queued:
        assert message.not_before.replace(tzinfo=timezone.utc) == datetime(2026, 12, 13, 1, 0, tzinfo=timezone.utc)


def test_outbox_and_stats_commands_show_what_to_watch(app, runner):
    runner.invoke(args=["sms", "send-reminders", "--date", "2026-12-13"])
    clients(app).queue.drain()
    listing = runner.invoke(args=["sms", "outbox", "--kind", "reminder_arrears", "--body"])
    assert "reminder_arrears" in listing.output and "+856205*****56" in listing.output
    assert BEHIND not in listing.output  # numbers masked
    assert "ປກສ: ທ່ານຄ້າງເງິນສົມທົບ 4 ເດືອນ" in listing.output
    stats = runner.invoke(args=["sms", "stats"])
    assert stats.exit_code == 0
    stored = len([m for m in reminders(app) if m.status == "stored"])  # the local outbox: kept, not sent
    assert stored > 0 and f"stored     {stored}" in stats.output and "in doubt   0" in stats.output


def test_a_run_that_stops_on_an_error_is_recorded_as_failed_and_keeps_what_it_queued(app):
    def stop(_n: int) -> None:
        raise RuntimeError("the operator's terminal went away")

    with pytest.raises(RuntimeError):
        tasks.run_reminders(app, date(2026, 11, 20), progress=stop)  # stops after its first batch
    with clients(app).sessions() as s:
        run = s.execute(select(ReminderRun)).scalar_one()
    assert run.status == RunStatus.FAILED and run.finished_at is not None
    assert run.queued > 0 and len(reminders(app)) == run.queued


def session_member_id(app, phone: str) -> int:
    from sqlalchemy import select

    from ussd_app.core.extensions import clients
    from ussd_app.members.models import Member

    with clients(app).sessions() as session:
        return int(session.execute(select(Member.id).where(Member.phone == phone)).scalar_one())
