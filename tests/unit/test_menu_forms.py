"""Menus changed without touching YAML: the text catalogue (each text once, every place it is
used, sizes as the phone shows them), the screens' forms (options added, moved, removed; new
screens; deleted ones), a draft's own SMS texts, and drafts with problems run as they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from sms.templates import load_templates
from tests.unit.engine_fakes import FakeMembers, services
from ussd_app.actions import lsso_actions
from ussd_app.engine import SessionState, Typed, resume
from ussd_app.engine.loader import load_text, read_yaml
from ussd_app.engine.validation import sample_ctx, sample_screen
from ussd_app.publishing import menu_edits, texts
from ussd_app.publishing.document import NotEditable, dump, load
from ussd_app.publishing.lenient import MARK, load_lenient
from ussd_app.publishing.versions import check
from ussd_app.text.encoding import measure

MAIN = (Path(__file__).resolve().parents[2] / "menus" / "main.yaml").read_text(encoding="utf-8")
ACTIONS = lsso_actions()
SMS = load_templates()


def definition(text: str = MAIN):  # type: ignore[no-untyped-def]
    return load_text(text, ACTIONS)[0]


def errors(text: str) -> list[str]:
    return [str(p) for p in check(text, ACTIONS, SMS) if p.level == "error"]


def test_the_round_trip_changes_nothing_it_was_not_asked_to():
    assert dump(load(MAIN)) == MAIN  # comments, quotes, flow lists and blank lines as written


# ---- the texts --------------------------------------------------------------------------------

def test_a_label_used_in_three_menus_is_one_text_with_three_places():
    entry = texts.find(texts.catalogue(read_yaml(MAIN), SMS.texts), "nodes/member_home/options/3/label")
    assert entry is not None and entry.text == {"lo": "ຕິດຕໍ່ ປກສ", "en": "Contact us"}
    assert sorted(p.screen for p in entry.places) == ["guest_home", "member_home", "member_more"]
    changed = texts.set_text(MAIN, entry.key, entry.text, {"lo": "ໂທຫາ ປກສ", "en": "Call LSSO"})
    assert changed.count('{lo: "ໂທຫາ ປກສ", en: "Call LSSO"}') == 3 and "Contact us" not in changed
    assert "# LSSO Connect" in changed and errors(changed) == []


def test_every_text_members_see_is_listed_once():
    entries = texts.catalogue(read_yaml(MAIN), SMS.texts)
    keys = [tuple(sorted(e.text.items())) for e in entries]
    assert len(keys) == len(set(keys))
    screens = {p.screen for e in entries for p in e.places}
    assert {"messages", "sms", "guest_home", "join_summary"} <= screens
    assert sum(p.screen == "sms" for e in entries for p in e.places) == len(SMS.texts)  # every SMS kind


@pytest.mark.parametrize("typed", ["ຕິດຕໍ່", "ຕິດຕໍ່ຫ້ອງການ ປກສ ທີ່ໃກ້ທີ່ສຸດ"])
def test_the_count_while_typing_is_the_screen_the_phone_will_show(typed):
    defn = definition()
    entry = texts.find(texts.catalogue(defn.raw), "nodes/guest_home/options/3/label")
    size = next(s for s in texts.sizes(defn, entry, {"lo": typed, "en": "Contact us"})
                if s.place.screen == "guest_home" and s.lang == "lo")
    # What the engine shows once the text is saved: the same number of characters.
    saved = texts.set_text(MAIN, entry.key, None, {"lo": typed, "en": "Contact us"})
    shown = "\n".join(sample_screen(changed := load_lenient(saved, ACTIONS).definition,
                                    changed.nodes["guest_home"], "lo", sample_ctx(changed, "lo")).lines)
    assert (size.length, size.budget) == (measure(shown)[1], 80)
    assert size.over == max(0, size.length - 80)


def test_a_text_over_budget_is_named_with_how_much_to_cut():
    defn = definition()
    entry = texts.find(texts.catalogue(defn.raw), "nodes/guest_home/options/3/label")
    long = {"lo": "ຕິດຕໍ່ຫ້ອງການ ປກສ ທີ່ໃກ້ທີ່ສຸດ", "en": "Contact us"}
    over = [s for s in texts.sizes(defn, entry, long) if s.over]
    # The Lao label is too long on the two full menus; the third has room, and English is unchanged.
    assert [(s.place.screen, s.lang) for s in over] == [("guest_home", "lo"), ("member_home", "lo")]
    assert all(s.over == s.length - 80 > 0 for s in over)


def test_an_edit_made_on_an_old_page_is_refused_rather_than_lost():
    entry = texts.find(texts.catalogue(read_yaml(MAIN)), "nodes/guest_home/options/3/label")
    other = texts.set_text(MAIN, entry.key, None, {"lo": "ໂທຫາ ປກສ", "en": "Call LSSO"})
    with pytest.raises(texts.Stale):
        texts.set_text(other, "nodes/guest_home/options/3/label", entry.text, {"lo": "x", "en": "y"})


def test_an_sms_text_edited_goes_into_the_draft_and_is_checked_like_the_shipped_ones():
    entry = texts.find(texts.catalogue(read_yaml(MAIN), SMS.texts), "sms/pin_changed")
    changed = texts.set_text(MAIN, entry.key, entry.text, {"lo": "ປກສ: PIN ປ່ຽນແລ້ວ", "en": "LSSO: PIN changed"},
                             SMS.texts)
    assert read_yaml(changed)["sms"] == {"pin_changed": {"lo": "ປກສ: PIN ປ່ຽນແລ້ວ", "en": "LSSO: PIN changed"}}
    assert errors(changed) == []
    too_long = texts.set_text(MAIN, entry.key, None, {"lo": "ປກສ " * 80, "en": "x {nothing}"}, SMS.texts)
    found = errors(too_long)
    assert any("pin_changed (lo): 5 parts (320 UCS-2" in e and "over the limit of 3" in e for e in found), found
    assert any("pin_changed (en): no sample for nothing" in e for e in found), found


# ---- the screens' forms -----------------------------------------------------------------------

def run(defn, phone_keys: list[str], lang: str = "en") -> str:  # type: ignore[no-untyped-def]
    """The screen a stranger's phone shows after `phone_keys`."""
    state = SessionState(session_id="t", phone="+8562099990000", menu_version="1", lang=lang, service_code="*211#")
    outcome = resume(defn, state, Typed(*phone_keys), services(FakeMembers()))
    return outcome.screen.text


def test_a_new_option_leading_to_a_new_message_screen():
    form = {"title:lo": "ເປີດ 8 ຫາ 16 ໂມງ", "title:en": "Open 8am to 4pm", "from_menu": "voluntary_menu",
            "from_label:lo": "ເວລາເປີດ", "from_label:en": "Opening hours"}
    changed = menu_edits.add_screen(MAIN, "office_hours", "message", form, ACTIONS)
    assert errors(changed) == []
    assert "4 Opening hours" in run(definition(changed), ["3"])  # the voluntary scheme
    assert "Open 8am to 4pm" in run(definition(changed), ["3", "4"])


def test_options_are_moved_and_removed_and_their_labels_saved_with_the_same_form():
    form = {"do": "up:3", "text:options/0/label:lo": "ສະໝັກ", "text:options/0/label:en": "Join"}
    moved = menu_edits.apply_screen_form(MAIN, "voluntary_menu", form)
    options = read_yaml(moved)["nodes"]["voluntary_menu"]["options"]
    assert [o["to"] for o in options] == ["join_start", "application_status", "voluntary_info"]
    assert options[0]["label"] == {"lo": "ສະໝັກ", "en": "Join"}
    removed = menu_edits.apply_screen_form(moved, "voluntary_menu", {"do": "remove:2"})
    assert [o["to"] for o in read_yaml(removed)["nodes"]["voluntary_menu"]["options"]] == ["join_start",
                                                                                          "voluntary_info"]


def test_a_menu_keeps_at_least_one_option_and_a_stale_button_is_refused():
    one = menu_edits.apply_screen_form(MAIN, "voluntary_menu", {"do": "remove:3"})
    one = menu_edits.apply_screen_form(one, "voluntary_menu", {"do": "remove:2"})
    with pytest.raises(NotEditable, match="at least one option"):
        menu_edits.apply_screen_form(one, "voluntary_menu", {"do": "remove:1"})
    with pytest.raises(NotEditable, match="not on this screen any more"):
        menu_edits.apply_screen_form(one, "voluntary_menu", {"do": "remove:2"})


def test_an_input_screen_with_its_check_from_the_list():
    form = {"title:lo": "ເລກບັດ", "title:en": "Card number", "validate": "digits", "length_min": "6",
            "length_max": "12", "save_as": "card", "next": "contact"}
    changed = menu_edits.add_screen(MAIN, "card_number", "input", form, ACTIONS)
    node = read_yaml(changed)["nodes"]["card_number"]
    assert node["validate"] == ["digits", {"length": [6, 12]}] and node["next"] == "contact"
    assert "validate: [digits, {length: [6, 12]}]" in changed
    assert menu_edits.validator_choice(node) == ("digits", "6", "12")
    with pytest.raises(NotEditable, match="smallest first"):
        menu_edits.add_screen(MAIN, "card2", "input", {**form, "length_min": "9", "length_max": "3"}, ACTIONS)


def test_a_new_screen_needs_a_free_plain_name_and_both_languages():
    ok = {"title:lo": "ສະບາຍດີ", "title:en": "Hello"}
    with pytest.raises(NotEditable, match="already a screen"):
        menu_edits.add_screen(MAIN, "contact", "message", ok)
    with pytest.raises(NotEditable, match="small letters"):
        menu_edits.add_screen(MAIN, "Office Hours!", "message", ok)
    with pytest.raises(NotEditable, match="Lao and in English"):
        menu_edits.add_screen(MAIN, "hello", "message", {"title:lo": "", "title:en": "Hello"})


def test_deleting_a_screen_shows_what_leads_to_it_and_can_send_those_links_elsewhere():
    [contact] = [s for s in menu_edits.outline(read_yaml(MAIN)) if s.id == "contact"]
    assert ("guest_home", "option 4") in contact.leads_here and ("member_home", "option 4") in contact.leads_here
    broken = menu_edits.delete_screen(MAIN, "contact")
    assert any("next node 'contact' does not exist" in e for e in errors(broken))
    moved = menu_edits.delete_screen(MAIN, "contact", retarget="benefits_info")
    assert errors(moved) == [] and "contact:" not in moved.split("nodes:")[1]
    with pytest.raises(NotEditable, match="first screen"):
        menu_edits.delete_screen(MAIN, "home")


# ---- drafts with problems, on the phone -------------------------------------------------------

def test_a_draft_with_problems_runs_and_its_broken_screens_say_what_is_wrong():
    draft = (MAIN.replace('to: contact\n      - label: {lo: "English"', 'to: contcat\n      - label: {lo: "English"', 1)
             .replace('text: {lo: "ສິດປະໂຫຍດ", en: "Benefits: what you need"}', 'text: {en: "Benefits: what you need"}')
             .replace("  voluntary_menu:\n    type: menu", "  voluntary_menu:\n    type: menu\n    colour: red"))
    assert errors(draft)  # the service would refuse it
    lenient = load_lenient(draft, ACTIONS)
    assert {"guest_home", "benefits_info", "voluntary_menu"} <= lenient.marked
    defn = lenient.definition
    assert "does not exist" in run(defn, ["4"], "lo") and MARK in run(defn, ["4"], "lo")
    assert f"{MARK} (lo?) Benefits: what you need" in run(defn, ["2"], "lo")
    assert "colour" in run(defn, ["3"], "lo")  # the screen that cannot be built says why
