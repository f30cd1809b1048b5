"""The Analytics page as staff read it: real sessions through the webhook, AT's end-of-session
notices, then the numbers per node on /admin/analytics."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from tests.admin_helpers import PASSWORD
from tests.demo_people import FROZEN_NOW, NO_CONTRIB, PENSIONER, STRANGER
from tests.ussd_dsl import ussd
from ussd_app.admin import VIENTIANE
from ussd_app.analytics.session_events import UssdSessionEvent
from ussd_app.core.extensions import clients
from ussd_app.ussd.runtime import runtime_of

_CSRF = re.compile(r'<input id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)">')
_ROW = re.compile(r'<tr data-node="([^"]*)">(.*?)</tr>', re.S)
_CELL = re.compile(r'<td class="num" data-col="(\w+)"[^>]*>([^<]*)</td>')


def signed_in(app: Flask) -> FlaskClient:
    """A viewer's browser, signed in through the real form (CSRF token taken from the page)."""
    result = app.test_cli_runner().invoke(
        args=["admin", "create-user", "viewer@lsso.gov.la", "--role", "viewer", "--password", PASSWORD,
              "--language", "en"])
    assert result.exit_code == 0, result.output
    browser = app.test_client()
    token = _CSRF.search(browser.get("/admin/login").get_data(as_text=True)).group(1)
    response = browser.post("/admin/login", data={"csrf_token": token, "email": "viewer@lsso.gov.la",
                                                  "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def figures(browser: FlaskClient, query: str = "") -> dict[str, dict[str, str]]:
    """The page's table: {node: {"reached": "3", "ended": "1", …}}."""
    response = browser.get("/admin/analytics" + query)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return {node: dict(_CELL.findall(cells)) for node, cells in _ROW.findall(page)}


def notice(client: FlaskClient, session_id: str, status: str = "Incomplete", at: datetime = FROZEN_NOW,
           network: str = "41801") -> None:
    """AT's end-of-session notice, as if sent at `at` (the app records the wall clock; tests freeze theirs)."""
    response = client.post("/ussd/africastalking/events", data={
        "sessionId": session_id, "serviceCode": "*211#", "phoneNumber": STRANGER, "networkCode": network,
        "status": status, "durationInMillis": "30000", "hopsCount": "2", "input": "", "errorMessage": ""})
    assert response.status_code == 200
    with clients(client.application).sessions() as s:
        s.execute(update(UssdSessionEvent).where(UssdSessionEvent.session_id == session_id).values(received_at=at))
        s.commit()


@pytest.fixture
def app(app_on_demo_data):  # type: ignore[no-untyped-def]
    return app_on_demo_data(ADMIN_COOKIE_SECURE=False)


def test_give_up_on_the_benefits_menu_shows_as_ended_there(app):
    client = app.test_client()
    ussd(client).dial(STRANGER, session_id="a")
    ussd(client).dial(STRANGER, session_id="b").press("4")  # contact screen: AT says Success
    ussd(client).dial(STRANGER, session_id="c").press("2").see("ສິດປະໂຫຍດ")
    notice(client, "b", status="Success")
    notice(client, "c", status="Incomplete")
    rows = figures(signed_in(app))
    assert rows["guest_home"]["reached"] == "3" and rows["guest_home"]["ended"] == "0"
    assert rows["benefits_info"]["reached"] == "1" and rows["benefits_info"]["ended"] == "1"
    assert rows["contact"]["reached"] == "1" and rows["contact"]["ended"] == "0"  # a success is not giving up
    assert rows["member_home"]["reached"] == "0"  # listed all the same, in menu order
    nodes = list(rows)
    assert nodes.index("home") < nodes.index("guest_home") < nodes.index("benefits_info") < nodes.index("member_home")


def test_invalid_keys_raise_the_rate_of_the_screen_they_were_typed_on(app):
    client = app.test_client()
    ussd(client).dial(STRANGER).press("9", "2")  # 9 is no option of the guest menu; 2 is
    ussd(client).dial(PENSIONER).press("1", "12")  # a PIN of two digits is refused
    browser = signed_in(app)
    rows = figures(browser)
    guest = rows["guest_home"]
    assert (guest["inputs"], guest["invalid"], guest["rate"]) == ("2", "1", "50%")
    assert rows["benefits_info"]["invalid"] == "0" and rows["benefits_info"]["rate"] == "–"
    assert rows["contributions_pin"]["invalid"] == "1" and rows["contributions_pin"]["rate"] == "100%"
    chart = browser.get("/admin/analytics").get_data(as_text=True)
    assert "<svg" in chart and "LSSO (guest_home): 1 reached, 0 ended here, 1 of 2 keys refused (50%)" in chart


def test_language_filter_separates_lao_from_english_sessions(app):
    client = app.test_client()
    ussd(client).dial(STRANGER).see("ປກສ ສະບາຍດີ")
    ussd(client).dial(PENSIONER).see("ເງິນສົມທົບ")
    ussd(client).dial(NO_CONTRIB, session_id="en-1").see("1 Contributions")
    notice(client, "en-1")
    browser = signed_in(app)
    lao, english, both = figures(browser, "?lang=lo"), figures(browser, "?lang=en"), figures(browser, "?lang=all")
    assert (lao["home"]["reached"], english["home"]["reached"], both["home"]["reached"]) == ("2", "1", "3")
    assert (lao["member_home"]["reached"], english["member_home"]["reached"]) == ("1", "1")
    assert (lao["guest_home"]["reached"], english["guest_home"]["reached"]) == ("1", "0")
    assert (lao["member_home"]["ended"], english["member_home"]["ended"]) == ("0", "1")


def test_network_filter_lists_the_networks_seen(app):
    client = app.test_client()
    ussd(client).dial(STRANGER, network="41801")
    ussd(client).dial(STRANGER, network="41805").press("3", "2")
    browser = signed_in(app)
    page = browser.get("/admin/analytics").get_data(as_text=True)
    assert '<option value="41801"' in page and '<option value="41805"' in page
    assert figures(browser, "?network=41805")["guest_home"]["reached"] == "1"
    assert figures(browser, "?network=41805")["voluntary_info"]["reached"] == "1"
    assert figures(browser, "?network=41801")["voluntary_info"]["reached"] == "0"


def test_seven_or_thirty_days(app):
    client = app.test_client()
    clock = runtime_of(app).clock
    clock.set(FROZEN_NOW - timedelta(days=10))  # sessions ten days ago
    ussd(client).dial(STRANGER, session_id="old").press("2")
    notice(client, "old", at=FROZEN_NOW - timedelta(days=10))
    clock.set(FROZEN_NOW)
    ussd(client).dial(STRANGER)
    browser = signed_in(app)
    week, month = figures(browser, "?days=7"), figures(browser, "?days=30")
    assert (week["guest_home"]["reached"], month["guest_home"]["reached"]) == ("1", "2")
    assert (week["benefits_info"]["ended"], month["benefits_info"]["ended"]) == ("0", "1")
    assert figures(browser, "?days=9999") == week  # only 7 or 30: anything else is the default week


def test_a_notice_just_before_vientiane_midnight_counts_on_that_day(app):
    client = app.test_client()
    ussd(client).dial(STRANGER, session_id="late").press("2")
    ussd(client).dial(STRANGER, session_id="later").press("2")
    # 20 Nov 23:59 in Vientiane is 16:59 UTC; 17:01 UTC is already 21 Nov there.
    notice(client, "late", at=datetime(2026, 11, 20, 16, 59, tzinfo=FROZEN_NOW.tzinfo))
    notice(client, "later", at=datetime(2026, 11, 20, 17, 1, tzinfo=FROZEN_NOW.tzinfo))
    assert figures(signed_in(app))["benefits_info"]["ended"] == "1"


def test_text_from_redis_is_escaped(app):
    ussd(app.test_client()).dial(STRANGER)
    clients(app).redis.hincrby("ussd:stats:2026-11-20", "reach|lo|41801|<script>x</script>", 1)
    page = signed_in(app).get("/admin/analytics").get_data(as_text=True)
    assert "<script>x" not in page
    assert html.escape("<script>x</script>") in page


def test_networks_are_named_by_their_operator_and_screens_by_their_title(app):
    client = app.test_client()
    ussd(client).dial(STRANGER, network="45703")  # Unitel
    ussd(client).dial(STRANGER, network="41801")  # not a Lao network
    page = html.unescape(signed_in(app).get("/admin/analytics").get_data(as_text=True))
    assert '<option value="45703" >Unitel (45703)</option>' in page
    assert '<option value="41801" >unknown network 41801</option>' in page
    row = re.search(r'<tr data-node="guest_home">(.*?)</tr>', page, re.S).group(1)
    assert '<span class="screen-name">LSSO</span>' in row  # its title, the id only beside it


def test_the_trend_counts_the_sessions_of_each_day(app):
    client = app.test_client()
    clock = runtime_of(app).clock
    for days_ago, sessions in ((2, 3), (0, 1)):
        clock.set(FROZEN_NOW - timedelta(days=days_ago))
        for n in range(sessions):
            ussd(client).dial(STRANGER, session_id=f"d{days_ago}-{n}")
    clock.set(FROZEN_NOW)
    trend = signed_in(app).get("/admin/analytics").get_data(as_text=True).split('id="trend"')[1].split("</svg>")[0]
    day = lambda n: (FROZEN_NOW - timedelta(days=n)).astimezone(VIENTIANE).strftime("%d/%m")  # noqa: E731
    assert f"<title>{day(2)} · sessions: 3</title>" in trend
    assert f"<title>{day(1)} · sessions: 0</title>" in trend
    assert f"<title>{day(0)} · sessions: 1</title>" in trend
