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
    page.on("dialog", lambda d: d.accept())  # "Publish v2?": yes

    page.goto(f"{base}/admin/menus")
    assert "/admin/login" in page.url  # not signed in: to the sign-in page
    page.fill("#email", "publisher@lsso.gov.la")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url("**/admin/menus")

    page.click("text=New draft from the live version")
    page.wait_for_url("**/admin/menus/2")
    page.click("#tab-yaml")  # the expert's tab: the whole menu as YAML
    text = page.input_value("#yaml")
    # A label changed, and by mistake its Lao text emptied: the check must say so.
    broken = text.replace('{lo: "ຕິດຕໍ່ ປກສ", en: "Contact us"}\n        to: contact\n      - label: {lo: "English"',
                          '{lo: "", en: "Call LSSO"}\n        to: contact\n      - label: {lo: "English"', 1)
    assert broken != text
    page.fill("#yaml", broken)
    page.click("text=Save and check")
    page.wait_for_selector("#problems")
    problems = page.inner_text("#problems")
    assert "option 4 has no Lao text" in problems  # in plain words, linked to the screen
    assert page.is_disabled("text=Publish v2")
    page.screenshot(path=str(SHOTS / "1-problem.png"), full_page=True)

    page.fill("#yaml", broken.replace('{lo: "", en: "Call LSSO"}', '{lo: "ໂທຫາ ປກສ", en: "Call LSSO"}', 1))
    page.click("text=Save and check")
    page.wait_for_selector(".flash.ok")
    assert "No problems" in page.inner_text(".flash.ok")

    page.goto(f"{base}/admin/simulator?version=2")
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

    page.goto(f"{base}/admin/menus/2/yaml")
    page.click("text=Publish v2")
    page.wait_for_selector(".flash.ok")
    assert "Version 2 is live" in page.inner_text(".flash.ok")
    page.screenshot(path=str(SHOTS / "3-published.png"), full_page=True)

    assert "4 Call LSSO" in dial(base, "+8562099990000", "", "after")
    assert "4 ໂທຫາ ປກສ" in dial(base, "+8562099990000", "5", "after-lao")  # and in Lao


def sign_in(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/admin/login")
    page.fill("#email", "publisher@lsso.gov.la")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url("**/admin/menus")


def test_unsaved_edits_and_a_draft_made_before_a_publication_lose_nothing(served, browser):
    base, _app = served
    page = browser.new_page()
    page.set_default_timeout(15_000)
    dialogs: list[str] = []

    def answer(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    sign_in(page, base)
    for expected in (2, 3):  # two drafts, both made from version 1
        page.goto(f"{base}/admin/menus")
        page.click("text=New draft from the live version")
        page.wait_for_url(f"**/admin/menus/{expected}")

    page.goto(f"{base}/admin/menus/2/yaml")
    text = page.input_value("#yaml")
    page.fill("#yaml", text.replace('en: "Contact us"}', 'en: "Call LSSO"}', 1))
    page.click("text=Save and check")
    page.wait_for_selector(".flash.ok")
    # An edit not saved yet: publishing would drop it without a word, so it is stopped.
    page.fill("#yaml", page.input_value("#yaml").replace('en: "Benefits"}', 'en: "What you get"}', 1))
    page.click("text=Publish v2")
    assert "not saved" in dialogs[-1]
    assert "draft" in page.inner_text("h1")  # still a draft: nothing was published
    page.click("text=Save and check")
    page.wait_for_selector(".flash.ok")
    page.click("text=Publish v2")
    page.wait_for_selector(".flash.ok")
    assert dialogs[-1].startswith("Publish v2?") and "Version 2 is live" in page.inner_text(".flash.ok")

    # Draft 3 was made from version 1: it changes another screen, and must not undo version 2.
    page.goto(f"{base}/admin/menus/3/yaml")
    page.fill("#yaml", page.input_value("#yaml").replace('en: "Visit your provincial or district LSSO office"',
                                                         'en: "Visit your district LSSO office"', 1))
    page.click("text=Save and check")
    page.wait_for_selector("#out-of-date")
    assert "Version 2 was published after this draft" in page.inner_text("#out-of-date")
    assert page.is_disabled("text=Publish v3")
    page.screenshot(path=str(SHOTS / "4-out-of-date.png"), full_page=True)
    page.click("#update")
    page.wait_for_selector(".flash.ok")
    page.click("text=Publish v3")
    page.wait_for_selector(".flash.ok")
    assert "Version 3 is live" in page.inner_text(".flash.ok")
    menu = dial(base, "+8562099990000", "5", "merged")
    assert "Call LSSO" in menu and "What you get" in menu, menu
    assert "Visit your district LSSO office" in dial(base, "+8562099990000", "4", "merged-2")
