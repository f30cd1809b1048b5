"""The nightly roll-up on a real Redis: a day's figures are copied into the database, copying it
again changes nothing, and the page still shows the day once Redis has let it go."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.demo_people import FROZEN_NOW, PENSIONER, STRANGER
from tests.unit.test_admin_analytics import figures, notice, signed_in
from tests.ussd_dsl import ussd
from ussd_app.analytics import usage as usage_stats
from ussd_app.analytics.usage import UsageDay
from ussd_app.core.extensions import clients
from ussd_app.ussd.runtime import runtime_of
from workers import jobs

DAY = date(2026, 11, 20)  # FROZEN_NOW's day in Vientiane
KEY = "ussd:stats:2026-11-20"


@pytest.fixture
def app(app_on_demo_data, redis_url):  # type: ignore[no-untyped-def]
    return app_on_demo_data(REDIS_URL=redis_url, ADMIN_COOKIE_SECURE=False)


def stored(app) -> dict[tuple[str, str, str], tuple[int, int, int]]:
    with clients(app).sessions() as s:
        rows = s.execute(select(UsageDay).where(UsageDay.day == DAY)).scalars()
        return {(r.lang, r.network, r.node): (r.reached, r.inputs, r.invalid) for r in rows}


def next_day(app) -> None:
    runtime_of(app).clock.set(FROZEN_NOW + timedelta(days=1))


def drive_a_day(app) -> None:
    client = app.test_client()
    for n in range(3):
        ussd(client).dial(STRANGER, session_id=f"g{n}")
    ussd(client).dial(STRANGER, session_id="quit").press("9", "2")  # one refused key, then the benefits menu
    notice(client, "quit")
    ussd(client).dial(PENSIONER, network="41805").press("1")


def test_rollup_copies_the_day_and_a_second_run_does_not_double(app):
    drive_a_day(app)
    live = usage_stats.read_day(clients(app).redis, DAY)
    with clients(app).sessions() as s:
        assert usage_stats.rollup(s, clients(app).redis, DAY) == len(live)
    first = stored(app)
    assert first[("lo", "41801", "guest_home")] == (4, 2, 1)
    assert first[("lo", "41805", "contributions_pin")] == (1, 0, 0)
    assert {key: (c["reached"], c.get("inputs", 0), c.get("invalid", 0)) for key, c in live.items()} == first
    next_day(app)
    assert jobs.rollup_usage(app=app) == {"2026-11-20": len(live)}  # default: yesterday in Vientiane
    assert stored(app) == first
    with clients(app).sessions() as s:
        assert s.execute(select(func.count()).select_from(UsageDay)).scalar_one() == len(live)


def test_after_redis_lets_the_day_go_the_page_still_shows_it(app):
    drive_a_day(app)
    next_day(app)
    jobs.rollup_usage("2026-11-20", app=app)
    clients(app).redis.delete(KEY)
    assert jobs.rollup_usage("2026-11-20", app=app) == {"2026-11-20": 0}  # nothing in Redis: the copy is kept
    rows = figures(signed_in(app))
    assert rows["guest_home"]["reached"] == "4" and rows["guest_home"]["rate"] == "50%"
    assert rows["benefits_info"]["reached"] == "1" and rows["benefits_info"]["ended"] == "1"
    assert rows["member_home"]["reached"] == "1"


def test_page_adds_todays_live_figures_to_rolled_up_days(app):
    drive_a_day(app)
    next_day(app)
    jobs.rollup_usage(app=app)
    ussd(app.test_client()).dial(STRANGER)  # today, 21 Nov: in Redis only
    browser = signed_in(app)
    page = browser.get("/admin/analytics").get_data(as_text=True)
    assert "1 day from the nightly roll-up" in page and "1 day live from Redis (2026-11-21)" in page
    assert figures(browser)["guest_home"]["reached"] == "5"


def test_todays_figures_are_not_rolled_up_while_the_day_runs(app):
    drive_a_day(app)
    with pytest.raises(ValueError, match="not over yet"):
        jobs.rollup_usage("2026-11-20", app=app)
    assert stored(app) == {}


def test_a_night_the_job_missed_is_caught_up_the_next_night(app):
    runtime_of(app).clock.set(FROZEN_NOW - timedelta(days=2))
    ussd(app.test_client()).dial(STRANGER)  # 18 Nov: that night's roll-up never ran
    runtime_of(app).clock.set(FROZEN_NOW)
    ussd(app.test_client()).dial(STRANGER)
    next_day(app)
    done = jobs.rollup_usage(app=app)
    assert set(done) == {"2026-11-18", "2026-11-20"} and all(done.values())
