"""Staff change a menu in a real browser: sign in, edit a label, see a problem, fix it, try it
in the simulator, publish, and the next USSD dial shows the new label."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from tests.admin_helpers import PASSWORD

SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "/tmp/lsso-e2e"))


def dial(base: str, phone: str, text: str = "", session: str = "e2e-1") -> str:
    data = urlencode({"sessionId": session, "serviceCode": "*211#", "phoneNumber": phone, "networkCode": "41801",
                      "text": text}).encode()
    with urlopen(Request(f"{base}/ussd/africastalking", data=data), timeout=10) as response:  # noqa: S310 - loopback
        return response.read().decode()


def test_change_a_label_check_try_publish_and_dial(served, browser):
    base, _app = served
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert "4 Contact us" in dial(base, "+8562099990000", "5", "before")  # to English (the phone keeps it)
    page = browser.new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{base}/admin/menus")
    assert "/admin/login" in page.url  # not signed in: to the sign-in page
    page.fill("#email", "publisher@lsso.gov.la")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/menus")

    page.click("text=New draft from the live version")
    page.wait_for_url("**/admin/menus/2")
    text = page.input_value("#yaml")
    # A label changed, and by mistake its Lao text emptied: the check must say so.
    broken = text.replace('{lo: "ຕິດຕໍ່ ປກສ", en: "Contact us"}\n        to: contact\n      - label: {lo: "English"',
                          '{lo: "", en: "Call LSSO"}\n        to: contact\n      - label: {lo: "English"', 1)
    assert broken != text
    page.fill("#yaml", broken)
    page.click("text=Save and check")
    page.wait_for_selector("#problems")
    problems = page.inner_text("#problems")
    assert "guest_home: option 4 label: missing lo translation" in problems
    assert page.is_disabled("text=Publish v2")
    page.screenshot(path=str(SHOTS / "1-problem.png"), full_page=True)

    page.fill("#yaml", broken.replace('{lo: "", en: "Call LSSO"}', '{lo: "ໂທຫາ ປກສ", en: "Call LSSO"}', 1))
    page.click("text=Save and check")
    page.wait_for_selector(".flash.ok")
    assert "No problems" in page.inner_text(".flash.ok")

    page.click("text=Try it in the simulator")
    page.fill("#phone", "+8562099990000")
    page.click("#dial")
    page.wait_for_selector("#key")
    assert "4 ໂທຫາ ປກສ" in page.inner_text("#screen")
    page.fill("#key", "5")
    page.click("#send")
    page.wait_for_selector("#measure")
    assert "4 Call LSSO" in page.inner_text("#screen")
    assert "of 80 characters" in page.inner_text("#measure")  # the Lao label of option 5 makes it UCS-2
    page.screenshot(path=str(SHOTS / "2-simulator.png"), full_page=True)
    assert "4 Contact us" in dial(base, "+8562099990000", "", "still-live")  # a draft is not live

    page.goto(f"{base}/admin/menus/2")
    page.click("text=Publish v2")
    page.wait_for_selector(".flash.ok")
    assert "Version 2 is live" in page.inner_text(".flash.ok")
    page.screenshot(path=str(SHOTS / "3-published.png"), full_page=True)

    assert "4 Call LSSO" in dial(base, "+8562099990000", "", "after")
    assert "4 ໂທຫາ ປກສ" in dial(base, "+8562099990000", "5", "after-lao")  # and in Lao
