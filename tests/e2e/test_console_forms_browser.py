"""A staff member who has never seen YAML, in Chromium, in the Lao console: changes a label in both
languages watching its count, adds an option leading to a new message screen, tries both on the
phone beside the editor before saving, sends the draft for review; a publisher publishes it and
the next dial shows it. Then the Lao font on a machine without one, and every page at 390 px."""

from __future__ import annotations

import os
from pathlib import Path

from tests.admin_helpers import PASSWORD, create_user
from tests.e2e.test_admin_browser import dial

SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "/tmp/lsso-e2e"))
CONTACT = "nodes/guest_home/options/3/label"
PHONE_WIDTH = 390


def sign_in(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/admin/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url("**/admin/menus")


def count(page, place: str, lang: str) -> str:  # type: ignore[no-untyped-def]
    return page.inner_text(f'li.size[data-place="{place}"][data-lang="{lang}"] .count')


def test_a_label_a_new_option_the_phone_review_and_publish_without_yaml(served, browser):
    base, app = served
    SHOTS.mkdir(parents=True, exist_ok=True)
    create_user(app, "editor@lsso.gov.la", "editor", language="lo")  # a new account: the console in Lao
    page = browser.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, base, "editor@lsso.gov.la")
    assert page.inner_text("h1") == "ສະບັບຂອງເມນູ"

    # 1. A label in both languages, its count live while typing.
    page.goto(f"{base}/admin/texts?q=Contact+us")
    row = page.locator(f'form.text-row[data-key="{CONTACT}"]')
    assert "ເຫຼືອ 7 ຕົວອັກສອນ" in count(page, "nodes/guest_home/options/3/label", "lo")  # 73/80
    row.locator("textarea[name=lo]").fill("ຕິດຕໍ່ຫ້ອງການ ປກສ ໃກ້ບ້ານ")
    # (Waiting by selector: the console's Content-Security-Policy refuses the eval a JS predicate needs.)
    page.wait_for_selector(f'li.size.over[data-place="{CONTACT}"][data-lang="lo"]')
    assert "88/80 — ເກີນ 8 ຕົວອັກສອນ" in count(page, CONTACT, "lo")
    row.locator("textarea[name=lo]").fill("ໂທຫາ ປກສ")
    row.locator("textarea[name=en]").fill("Call LSSO")
    page.wait_for_selector(f'li.size.ok[data-place="{CONTACT}"][data-lang="lo"]')
    page.screenshot(path=str(SHOTS / "5-texts-live-count.png"), full_page=False)

    # 2. The phone beside it runs the change before it is saved.
    row.locator("textarea[name=lo]").focus()
    page.click("#phone-dial")
    page.wait_for_selector('#phone-screen:has-text("ໂທຫາ ປກສ")')
    # (Each dial from a new phone: a phone keeps the language it chose, and 5 switches it.)
    assert "4 Contact us" in dial(base, "+8562099990010", "5", "not-yet")  # nothing saved, nothing live
    row.locator("button[type=submit]").click()
    page.wait_for_url("**/admin/menus/2/texts**")
    assert "v2" in page.inner_text(".flash.ok")

    # 3. A new option on the voluntary scheme's menu, leading to a new message screen.
    page.click("#tab-screens")
    page.click("#s-voluntary_menu h2 a")
    page.click("#new-screen-from-here")
    page.select_option("#kind", "message")
    page.fill("#id", "office_hours")
    page.fill("#title-lo", "ຫ້ອງການ ປກສ ເປີດ 8 ຫາ 16 ໂມງ")
    page.fill("#title-en", "LSSO offices open 8am to 4pm")
    assert page.input_value("#from-menu") == "voluntary_menu"
    page.fill("#from-label-lo", "ເວລາເປີດ")
    page.fill("#from-label-en", "Opening hours")
    page.click("#create-screen")
    page.wait_for_url("**/admin/menus/2/screens/office_hours")
    assert "ບໍ່ມີບັນຫາ" in page.inner_text(".flash.ok")  # "No problems"

    # 4. Tried on the phone: the new option, then its screen.
    page.click("#phone-dial")
    page.wait_for_selector('#phone-screen:has-text("ປກສ")')
    for key, expected in (("3", "4 ເວລາເປີດ"), ("4", "ເປີດ 8 ຫາ 16 ໂມງ")):
        page.fill("#phone-key", key)
        page.click("#phone-send")
        page.wait_for_selector(f'#phone-screen:has-text("{expected}")')
    page.screenshot(path=str(SHOTS / "6-new-screen-on-the-phone.png"), full_page=False)

    # 5. Sent for review with a note.
    page.click("#tab-changes")
    assert "office_hours" in page.inner_text("#changes") and "Call LSSO" in page.inner_text("#changes")
    page.fill("#note", "ບອກເບີໂທ ແລະ ເວລາເປີດຫ້ອງການ")
    page.click("#send-for-review")
    page.wait_for_selector("#review-state")
    assert "4 Contact us" in dial(base, "+8562099990011", "5", "still-v1")  # sent for review is not live

    # 6. A publisher sees it waiting, with the note and the changes, and publishes it.
    publisher = browser.new_page()
    publisher.set_default_timeout(15_000)
    publisher.on("dialog", lambda d: d.accept())
    sign_in(publisher, base, "publisher@lsso.gov.la")
    assert "ບອກເບີໂທ ແລະ ເວລາເປີດຫ້ອງການ" in publisher.inner_text("#waiting")
    publisher.click("#waiting a")
    publisher.wait_for_url("**/admin/menus/2/changes")
    publisher.click("#publish")
    publisher.wait_for_selector(".flash.ok")
    assert "Version 2 is live" in publisher.inner_text(".flash.ok")
    assert "4 Call LSSO" in dial(base, "+8562099990012", "5", "live-en")
    assert "4 ເວລາເປີດ" in dial(base, "+8562099990013", "3", "live-lo")
    assert "ເປີດ 8 ຫາ 16 ໂມງ" in dial(base, "+8562099990014", "3*4", "live-lo-2")


def test_the_lao_console_renders_lao_with_the_font_it_ships(served, browser):
    base, app = served
    SHOTS.mkdir(parents=True, exist_ok=True)
    create_user(app, "lao@lsso.gov.la", "viewer", language="lo")
    page = browser.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, base, "lao@lsso.gov.la")
    page.goto(f"{base}/admin/menus/1")
    page.evaluate("document.fonts.ready")
    faces = page.evaluate("""Array.from(document.fonts).filter(f => f.family.replace(/"/g, '') === 'LSSO Lao')
                                 .map(f => f.status)""")
    assert "loaded" in faces, faces  # fetched from the console itself, not a CDN, and used by the page
    assert page.evaluate("document.fonts.check('16px \"LSSO Lao\"', 'ເມນູ')")
    # Lao drawn with the shipped font differs from the same words in a font that has no Lao.
    heading = page.locator("h1")
    with_font = heading.screenshot(path=str(SHOTS / "7-lao-heading.png"))
    page.evaluate("document.querySelector('h1').style.fontFamily = 'no-such-font, monospace'")
    without = heading.screenshot()
    assert with_font != without
    page.evaluate("document.querySelector('h1').style.fontFamily = ''")
    page.screenshot(path=str(SHOTS / "8-lao-console.png"), full_page=False)


PAGES = ["/admin/menus", "/admin/menus/1", "/admin/menus/1/screens/guest_home", "/admin/menus/1/screens/new",
         "/admin/menus/1/texts?q=LSSO", "/admin/menus/1/changes", "/admin/menus/1/yaml", "/admin/simulator",
         "/admin/tests", "/admin/outbox", "/admin/applications", "/admin/analytics", "/admin/partners",
         "/admin/audit"]


def test_every_page_is_usable_on_a_phone_390_px_wide(served, browser):
    base, _app = served
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": PHONE_WIDTH, "height": 844})
    page.set_default_timeout(15_000)
    sign_in(page, base, "publisher@lsso.gov.la")
    for path in PAGES:
        page.goto(base + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_WIDTH, f"{path} is {width} px wide"
        assert not page.is_visible("#nav a")  # the links are folded behind one button
    page.click("#nav-button")
    assert page.is_visible("#nav a") and page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.click("#nav >> text=Texts")
    page.wait_for_url("**/texts")
    page.goto(base + "/admin/menus/1/screens/guest_home")
    page.screenshot(path=str(SHOTS / "9-screen-form-390.png"), full_page=True)
    # The phone beside the editor is under the work at this width, and still dials.
    page.click("#phone-dial")
    page.wait_for_selector('#phone-screen:has-text("ປກສ")')
