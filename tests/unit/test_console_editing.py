"""The console for staff who are not programmers, through its pages: the Texts page (each text
once, live sizes, saving starts a draft and changes every place), screens changed in forms, the
phone beside the editor running unsaved changes and drafts with problems, the review flow,
conversation tests that belong to versions, the console's language, and a version's own SMS."""

from __future__ import annotations

import html
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from tests.admin_helpers import Staff
from tests.demo_people import PENSIONER, STRANGER
from tests.ussd_dsl import ussd
from ussd_app.admin.models import AuditEntry
from ussd_app.core.extensions import clients
from ussd_app.publishing.versions import MenuVersion
from ussd_app.text.encoding import measure

CONTACT = "nodes/guest_home/options/3/label"
pytestmark = pytest.mark.both_databases  # the console on production's database too


@pytest.fixture
def editor(app):  # type: ignore[no-untyped-def]
    staff = Staff(app, "editor@lsso.gov.la", "editor")
    assert staff.sign_in().status_code == 302
    return staff


@pytest.fixture
def publisher(app):  # type: ignore[no-untyped-def]
    staff = Staff(app, "publisher@lsso.gov.la", "publisher")
    assert staff.sign_in().status_code == 302
    return staff


def flashes(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<div class="flash \w+">(.*?)</div>', page, re.S)]


def version_row(app, version_id: int) -> MenuVersion:  # type: ignore[no-untyped-def]
    with clients(app).sessions() as s:
        return s.get(MenuVersion, version_id)


def audit_actions(app) -> list[str]:  # type: ignore[no-untyped-def]
    with clients(app).sessions() as s:
        return [e.action for e in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]


def save_text(staff: Staff, version: int, key: str, lo: str, en: str, was: tuple[str, str]):  # type: ignore[no-untyped-def]
    staff.get(f"/admin/menus/{version}/texts")
    return staff.post(f"/admin/menus/{version}/texts", {"key": key, "lo": lo, "en": en, "was_lo": was[0],
                                                        "was_en": was[1]})


def draft_of(response) -> int:  # type: ignore[no-untyped-def]
    """The version a save redirected to (a published version's save lands in a new draft)."""
    return int(re.search(r"/admin/menus/(\d+)", response.headers["Location"]).group(1))


# ---- the Texts page ---------------------------------------------------------------------------

def test_a_label_used_in_three_menus_is_listed_once_with_each_screen_it_is_on(editor):
    page = html.unescape(editor.get("/admin/menus/1/texts?q=Contact us").get_data(as_text=True))
    assert page.count('data-key="') == 1  # one text, however many places
    places = re.search(r'<p class="places">(.*?)</p>', page, re.S).group(1)
    assert all(screen in places for screen in ("guest_home", "member_more", "member_home"))
    assert "changes all 3 places" in page
    assert "73/80 — 7 characters left" in page  # guest_home in Lao, as the phone shows it


def test_the_live_count_is_the_screen_as_the_phone_will_show_it(editor):
    answer = editor.get(f"/admin/menus/1/texts/size?key={CONTACT}&lo=ຕິດຕໍ່ຫ້ອງການ ປກສ&en=Contact us").get_json()
    home_lo = next(s for s in answer["sizes"] if s["screen"] == "guest_home" and s["lang"] == "lo")
    assert (home_lo["length"], home_lo["budget"], home_lo["over"]) == (80, 80, 0)  # 7 more: exactly full
    longer = editor.get(f"/admin/menus/1/texts/size?key={CONTACT}&lo=ຕິດຕໍ່ຫ້ອງການ ປກສ ໃກ້ບ້ານ&en=x").get_json()
    home_lo = next(s for s in longer["sizes"] if s["screen"] == "guest_home" and s["lang"] == "lo")
    assert home_lo["over"] == home_lo["length"] - 80 == len(" ໃກ້ບ້ານ")
    assert editor.get("/admin/menus/1/texts/size?key=nodes/nowhere/text&lo=x&en=y").status_code == 404


def test_saving_a_text_on_the_live_version_starts_a_draft_and_changes_every_place(app, editor):
    response = save_text(editor, 1, CONTACT, "ໂທຫາ ປກສ", "Call LSSO", ("ຕິດຕໍ່ ປກສ", "Contact us"))
    draft = draft_of(response)
    assert draft != 1 and version_row(app, draft).state == "draft"
    said = flashes(editor.get(response.headers["Location"]).get_data(as_text=True))
    assert f"Saved in a new draft, v{draft}, made from v1." in said and "Saved “Call LSSO” in 3 place(s)." in said
    text = version_row(app, draft).yaml
    assert text.count('{lo: "ໂທຫາ ປກສ", en: "Call LSSO"}') == 3 and "Contact us" not in text
    assert "# LSSO Connect" in text  # the menu file's own comments stay
    assert "Contact us" in version_row(app, 1).yaml  # the live version never changes
    assert "draft saved" in audit_actions(app)


def test_a_text_too_long_is_named_with_the_screen_and_how_much_to_cut(app, editor):
    response = save_text(editor, 1, CONTACT, "ຕິດຕໍ່ຫ້ອງການ ປກສ ໃກ້ບ້ານ", "Contact us", ("ຕິດຕໍ່ ປກສ", "Contact us"))
    said = flashes(editor.get(response.headers["Location"]).get_data(as_text=True))
    assert "“Contact us” is 8 characters too long on the screen guest_home in Lao (88 of 80): shorten it by 8." in said
    assert version_row(app, draft_of(response)).has_errors  # kept in the draft, and it cannot be published


def test_an_edit_from_a_page_that_is_out_of_date_is_refused(app, editor):
    draft = draft_of(save_text(editor, 1, CONTACT, "ໂທຫາ ປກສ", "Call LSSO", ("ຕິດຕໍ່ ປກສ", "Contact us")))
    stale = save_text(editor, draft, CONTACT, "x", "y", ("ຕິດຕໍ່ ປກສ", "Contact us"))  # it says Call LSSO now
    assert "changed by someone else" in " ".join(flashes(editor.get(stale.headers["Location"]).get_data(as_text=True)))
    assert "Call LSSO" in version_row(app, draft).yaml


def test_a_viewer_reads_the_texts_but_cannot_save_them(app):
    viewer = Staff(app, "viewer@lsso.gov.la", "viewer")
    viewer.sign_in()
    assert viewer.get("/admin/menus/1/texts").status_code == 200
    assert save_text(viewer, 1, CONTACT, "x", "y", ("ຕິດຕໍ່ ປກສ", "Contact us")).status_code == 403


# ---- screens in forms ----------------------------------------------------------------------------

def test_a_new_option_leading_to_a_new_message_screen_without_yaml(app, editor):
    editor.get("/admin/menus/1/screens/new?from_menu=voluntary_menu")
    response = editor.post("/admin/menus/1/screens/new", {
        "kind": "message", "id": "office_hours", "title:lo": "ຫ້ອງການເປີດ 8 ຫາ 16 ໂມງ",
        "title:en": "Offices open 8am to 4pm", "from_menu": "voluntary_menu", "from_label:lo": "ເວລາເປີດ",
        "from_label:en": "Opening hours"})
    draft = draft_of(response)
    assert "Saved. No problems." in flashes(editor.get(response.headers["Location"]).get_data(as_text=True))
    outline = editor.get(f"/admin/menus/{draft}").get_data(as_text=True)
    assert "Opening hours" in outline and 'id="s-office_hours"' in outline
    screen = editor.get(f"/admin/menus/{draft}/screens/voluntary_menu").get_data(as_text=True)
    assert 'value="ເວລາເປີດ"' in screen and '<option value="office_hours" selected>' in screen


def test_an_option_moved_and_removed_with_its_label_edited_in_the_same_form(app, editor):
    form = "/admin/menus/1/screens/voluntary_menu"
    editor.get(form)
    moved = editor.post(form, {"text:options/0/label:lo": "ສະໝັກ", "text:options/0/label:en": "Join",
                               "link:options/0/to": "join_start", "do": "down:1"})
    draft = draft_of(moved)
    page = editor.get(f"/admin/menus/{draft}/screens/voluntary_menu").get_data(as_text=True)
    labels = re.findall(r'name="text:options/\d+/label:en" value="([^"]*)"', page)
    assert labels == ["What it costs", "Join", "My application"]
    editor.post(f"/admin/menus/{draft}/screens/voluntary_menu", {"do": "remove:3"})
    page = editor.get(f"/admin/menus/{draft}/screens/voluntary_menu").get_data(as_text=True)
    assert re.findall(r'name="text:options/\d+/label:en" value="([^"]*)"', page) == ["What it costs", "Join"]


def test_deleting_a_screen_first_shows_what_leads_to_it(app, editor):
    page = html.unescape(editor.get("/admin/menus/1/screens/contact/delete").get_data(as_text=True))
    still = re.search(r'<ul id="still-leads">(.*?)</ul>', page, re.S).group(1)
    assert "guest_home · option 4" in still and "member_home · option 4" in still
    response = editor.post("/admin/menus/1/screens/contact/delete", {"retarget": "benefits_info"})
    draft = draft_of(response)
    assert "  contact:\n" not in version_row(app, draft).yaml and not version_row(app, draft).has_errors


def test_a_problem_names_the_screen_and_field_and_links_to_it(app, editor):
    draft = draft_of(save_text(editor, 1, "nodes/benefits_info/text", "", "Benefits: what you need",
                               ("ສິດປະໂຫຍດ", "Benefits: what you need")))
    page = html.unescape(editor.get(f"/admin/menus/{draft}/changes").get_data(as_text=True))
    assert f'href="/admin/menus/{draft}/screens/benefits_info#field-text">benefits_info</a>:' in page
    assert "the title has no Lao text: write it, or copy the other language and translate it" in page


# ---- the phone beside the editor ------------------------------------------------------------------

def phone(staff: Staff, version: int, **fields: str) -> dict:
    staff.get(f"/admin/menus/{version}/texts")
    response = staff.post(f"/admin/menus/{version}/phone", {"phone": STRANGER, **fields})
    assert response.status_code == 200, staff.last
    return response.get_json()


def test_the_phone_runs_a_change_that_is_not_saved_yet(app, editor):
    unsaved = {"pending": "text", "key": CONTACT, "lo": "ໂທຫາ ປກສ", "en": "Call LSSO"}
    dialled = phone(editor, 1, do="dial", **unsaved)
    assert "4 ໂທຫາ ປກສ" in dialled["text"] and dialled["node"] == "guest_home"
    assert (dialled["length"], dialled["budget"], dialled["encoding"]) == (measure(dialled["text"])[1], 80, "UCS-2")
    english = phone(editor, 1, do="press", press="5", sim=dialled["sim"], **unsaved)
    assert "4 Call LSSO" in english["text"]
    assert "Contact us" in version_row(app, 1).yaml  # nothing saved


def test_the_phone_runs_a_draft_with_problems_and_marks_the_broken_screen(app, editor):
    draft = draft_of(save_text(editor, 1, "nodes/benefits_info/text", "", "Benefits: what you need",
                               ("ສິດປະໂຫຍດ", "Benefits: what you need")))
    dialled = phone(editor, draft, do="dial")
    benefits = phone(editor, draft, do="press", press="2", sim=dialled["sim"])
    assert benefits["marked"] and benefits["node"] == "benefits_info" and "⚠" in benefits["text"]
    assert any("missing lo translation" in p for p in benefits["problems"])


def test_the_phone_never_checks_a_members_real_pin(app, editor):
    dialled = phone(editor, 1, do="dial", phone=PENSIONER)
    asked = phone(editor, 1, do="press", press="1", sim=dialled["sim"], phone=PENSIONER)
    assert asked["pin"] == "verify"
    typed = phone(editor, 1, do="press", press="2580", sim=dialled["sim"], phone=PENSIONER)
    assert "never checks a member's real PIN" in typed["error"] and typed["node"] == asked["node"]
    opened = phone(editor, 1, do="pin-right", sim=dialled["sim"], phone=PENSIONER)
    assert opened["node"] != asked["node"]
    assert "simulated a member" in audit_actions(app)


# ---- review -------------------------------------------------------------------------------------

def test_an_editor_sends_a_draft_for_review_and_a_publisher_publishes_it(app, editor, publisher):
    draft = draft_of(save_text(editor, 1, CONTACT, "ໂທຫາ ປກສ", "Call LSSO", ("ຕິດຕໍ່ ປກສ", "Contact us")))
    editor.get(f"/admin/menus/{draft}/changes")
    assert "say what this draft changes" in " ".join(flashes(editor.get(
        editor.post(f"/admin/menus/{draft}/review", {"note": " "}).headers["Location"]).get_data(as_text=True)))
    editor.post(f"/admin/menus/{draft}/review", {"note": "Members asked how to call us: say so."})
    assert version_row(app, draft).review == "ready"
    assert editor.post(f"/admin/menus/{draft}/publish", page=f"/admin/menus/{draft}/changes").status_code == 403

    waiting = html.unescape(publisher.get("/admin/menus").get_data(as_text=True))
    assert "Waiting for review" in waiting and "Members asked how to call us: say so." in waiting
    review = html.unescape(publisher.get(f"/admin/menus/{draft}/changes").get_data(as_text=True))
    changes = re.search(r'<div class="card" id="changes">(.*?)</div>', review, re.S).group(1)
    assert "guest_home" in changes and "ຕິດຕໍ່ ປກສ</span> / Contact us" in changes and "Call LSSO" in changes
    publisher.post(f"/admin/menus/{draft}/publish", page=f"/admin/menus/{draft}/changes")
    assert version_row(app, draft).state == "published"
    assert "4 Call LSSO" in ussd(app.test_client()).dial(STRANGER, "5").screen
    listed = html.unescape(publisher.get("/admin/menus").get_data(as_text=True))
    assert "Members asked how to call us: say so." in listed and "Waiting for review" not in listed
    assert "sent for review" in audit_actions(app) and audit_actions(app)[-1] == "published"


def test_a_publisher_sends_a_draft_back_and_a_change_after_sending_needs_a_new_send(app, editor, publisher):
    draft = draft_of(save_text(editor, 1, CONTACT, "ໂທຫາ ປກສ", "Call LSSO", ("ຕິດຕໍ່ ປກສ", "Contact us")))
    editor.get(f"/admin/menus/{draft}/changes")
    editor.post(f"/admin/menus/{draft}/review", {"note": "Call, not contact."})
    publisher.get(f"/admin/menus/{draft}/changes")
    publisher.post(f"/admin/menus/{draft}/send-back", {"comment": "Keep the word ຕິດຕໍ່: members know it."})
    row = version_row(app, draft)
    assert (row.review, row.review_by) == ("sent_back", publisher.email)
    assert "Keep the word ຕິດຕໍ່" in html.unescape(editor.get(f"/admin/menus/{draft}").get_data(as_text=True))
    editor.post(f"/admin/menus/{draft}/review", {"note": "Back to ຕິດຕໍ່."})
    save_text(editor, draft, CONTACT, "ຕິດຕໍ່ ປກສ", "Contact LSSO", ("ໂທຫາ ປກສ", "Call LSSO"))
    assert version_row(app, draft).review is None  # what was reviewed is not what is there now


# ---- conversation tests belong to versions -------------------------------------------------------

def test_a_test_written_for_one_draft_never_holds_up_another(app, editor, publisher):
    changed = draft_of(save_text(editor, 1, CONTACT, "ໂທຫາ ປກສ", "Call LSSO", ("ຕິດຕໍ່ ປກສ", "Contact us")))
    editor.get(f"/admin/tests/new?version={changed}")
    editor.post(f"/admin/tests/new?version={changed}", {"name": "call", "script": "phone +8562099990000\n"
                                                       "lang en\nexpect 4 Call LSSO\n"})
    other = draft_of(save_text(editor, 1, "nodes/voluntary_menu/options/0/label", "ສະໝັກ", "Join",
                               ("ສະໝັກເລີຍ", "Join now")))
    publisher.post(f"/admin/menus/{other}/publish", page=f"/admin/menus/{other}/changes")
    assert version_row(app, other).state == "published"  # "call" is the first draft's test, not this one's
    tests_of_changed = publisher.get(f"/admin/tests?version={changed}").get_data(as_text=True)
    assert ">call</a>" in tests_of_changed
    assert ">call</a>" not in publisher.get(f"/admin/tests?version={other}").get_data(as_text=True)
    publisher.post("/admin/menus/1/rollback", page="/admin/menus")  # and rolling back is not held up either
    assert "4 Contact us" in ussd(app.test_client()).dial(STRANGER, "5").screen


# ---- the console's language ---------------------------------------------------------------------

def test_a_new_account_reads_the_console_in_lao_and_can_switch_to_english(app):
    staff = Staff(app, "new@lsso.gov.la", "editor", language="lo")
    login = app.test_client().get("/admin/login").get_data(as_text=True)
    assert '<html lang="lo">' in login and "ເຂົ້າສູ່ລະບົບ" in login  # before signing in, too
    staff.sign_in()
    page = staff.get("/admin/menus").get_data(as_text=True)
    assert '<html lang="lo">' in page and "ສະບັບຂອງເມນູ" in page and "Menu versions" not in page
    staff.post("/admin/language", {"lang": "en", "next": "/admin/menus"})
    assert "Menu versions" in staff.get("/admin/menus").get_data(as_text=True)
    again = Staff(app, "new@lsso.gov.la")  # another browser: the choice is the account's
    again.sign_in()
    assert '<html lang="en">' in again.get("/admin/menus").get_data(as_text=True)
    assert "language chosen" in audit_actions(app)


def test_every_word_of_the_console_has_its_lao_translation(app):
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    catalogue = root / "ussd_app/admin/translations/lo/LC_MESSAGES"
    po = read_po((catalogue / "messages.po").open("rb"))
    mo = read_mo((catalogue / "messages.mo").open("rb"))
    methods = [("ussd_app/admin/**.py", "python"), ("ussd_app/publishing/problems.py", "python"),
               ("ussd_app/publishing/menu_edits.py", "python"), ("ussd_app/admin/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "N_": None}
    used = {m[2] for m in extract_from_dir(str(root), method_map=methods, keywords=keywords)}
    untranslated = [m for m in used if not (po.get(m) and po.get(m).string)]
    assert untranslated == [], "run `make translations` and translate these in messages.po"
    def pairs(catalogue):  # type: ignore[no-untyped-def]
        flat = (lambda v: tuple(v) if isinstance(v, (list, tuple)) else v)  # noqa: E731 - plural forms
        return {flat(m.id): flat(m.string) for m in catalogue if m.id}

    assert pairs(po) == pairs(mo), \
        "messages.mo is older than messages.po: run `make translations`"


# ---- a version's own SMS texts -------------------------------------------------------------------

def test_an_sms_text_changed_in_a_draft_is_sent_only_once_published(app, editor, publisher):
    was = ("ປກສ: ລະຫັດ PIN ຂອງທ່ານຖືກປ່ຽນແລ້ວ. ຖ້າທ່ານບໍ່ໄດ້ປ່ຽນ, ແຈ້ງຫ້ອງການ ປກສ ທັນທີ.",
           "LSSO: your PIN was changed. If you did not change it, tell an LSSO office at once.")
    draft = draft_of(save_text(editor, 1, "sms/pin_changed", "ປກສ: PIN ປ່ຽນແລ້ວ. ບໍ່ແມ່ນທ່ານ? ໂທຫາ ປກສ.",
                               "LSSO: PIN changed. Not you? Call LSSO.", was))
    rt = app.extensions["lsso_runtime"]
    assert rt.sms.templates.render("pin_changed", "en", {}).body == was[1]  # a draft is not live
    publisher.post(f"/admin/menus/{draft}/publish", page=f"/admin/menus/{draft}/changes")
    assert rt.sms.templates.render("pin_changed", "en", {}).body == "LSSO: PIN changed. Not you? Call LSSO."
