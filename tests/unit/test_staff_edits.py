"""Staff edits are never lost: a draft made before a publication is brought up to date node by
node (conflicts chosen by the editor), sign-out ends the session on the server, and refusals
are in the audit log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.admin_helpers import Staff
from tests.ussd_dsl import ussd
from ussd_app.admin.models import AuditEntry
from ussd_app.core.extensions import clients
from ussd_app.publishing.merge import CannotMerge, merge

MAIN = (Path(__file__).resolve().parents[2] / "menus" / "main.yaml").read_text(encoding="utf-8")
CONTACT_EN = 'en: "Contact us"}'
OFFICE_EN = 'en: "Visit your provincial or district LSSO office"'


# ---- the merge itself ------------------------------------------------------------------------

def test_changes_to_different_nodes_are_both_kept_with_the_drafts_comments():
    live = MAIN.replace(CONTACT_EN, 'en: "Call LSSO"}', 1)
    draft = MAIN.replace(OFFICE_EN, 'en: "Visit your district office"', 1) + "# a note of the editor's\n"
    result = merge(MAIN, live, draft)
    assert result.conflicts == [] and result.taken_from_live == ["nodes.guest_home"]
    assert 'en: "Call LSSO"' in result.text and 'en: "Visit your district office"' in result.text
    assert "# a note of the editor's" in result.text and "# LSSO Connect" in result.text
    assert "ເຊື່ອມເບີໂທ" in result.text  # Lao stays as it is written, not escaped


def test_a_node_both_changed_is_a_conflict_the_editor_settles():
    live = MAIN.replace(CONTACT_EN, 'en: "Call LSSO"}', 1)
    draft = MAIN.replace(CONTACT_EN, 'en: "Phone LSSO"}', 1)
    assert merge(MAIN, live, draft).conflicts == ["nodes.guest_home"]
    assert 'en: "Call LSSO"' in merge(MAIN, live, draft, {"nodes.guest_home": "live"}).text
    kept = merge(MAIN, live, draft, {"nodes.guest_home": "mine"})
    assert 'en: "Phone LSSO"' in kept.text and "Call LSSO" not in kept.text


def test_nodes_and_messages_added_or_removed_on_the_live_side_arrive_in_the_draft():
    hotline = '  hotline:\n    type: end\n    text: {lo: "ໂທ 1234", en: "Call 1234"}\n\n'
    bad_phone = '  bad_phone: {lo: "ເບີໂທບໍ່ຖືກ", en: "Not a valid phone number"}\n'
    live = MAIN.replace("  contact:\n", hotline + "  contact:\n", 1).replace(bad_phone, "")
    result = merge(MAIN, live, MAIN.replace(OFFICE_EN, 'en: "Office"', 1))
    assert sorted(result.taken_from_live) == ["messages.bad_phone", "nodes.hotline"]
    assert "Call 1234" in result.text and "bad_phone" not in result.text and 'en: "Office"' in result.text


def test_a_draft_that_is_not_yaml_cannot_be_merged():
    with pytest.raises(CannotMerge):
        merge(MAIN, MAIN, "nodes: [")


# ---- through the console -------------------------------------------------------------------

@pytest.fixture
def publisher(app):
    staff = Staff(app, "pub@lsso.gov.la", "publisher")
    assert staff.sign_in().status_code == 302
    return staff


def new_draft(staff: Staff) -> int:
    response = staff.post("/admin/menus/drafts", page="/admin/menus")
    return int(response.headers["Location"].rsplit("/", 1)[1])


def edit(staff: Staff, version: int, old: str, new: str) -> None:
    import html

    page = staff.get(f"/admin/menus/{version}/yaml").get_data(as_text=True)
    text = html.unescape(re.search(r'<textarea[^>]*id="yaml"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    assert old in text
    staff.post(f"/admin/menus/{version}/yaml", {"yaml": text.replace(old, new, 1).lstrip("\n")})


def audit(app) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    with clients(app).sessions() as s:
        return [(e.action, e.target, e.detail) for e in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]


def test_an_older_draft_cannot_undo_a_newer_publication(app, publisher):
    older, newer = new_draft(publisher), new_draft(publisher)  # both from version 1
    edit(publisher, newer, CONTACT_EN, 'en: "Call LSSO"}')
    publisher.post(f"/admin/menus/{newer}/publish", page=f"/admin/menus/{newer}")
    edit(publisher, older, OFFICE_EN, 'en: "Visit your district office"')
    publisher.post(f"/admin/menus/{older}/publish", page=f"/admin/menus/{older}")
    page = publisher.get(f"/admin/menus/{older}/yaml").get_data(as_text=True)
    assert f"Not published: it was made from version 1 and version {newer} is live now" in page
    assert "nodes.guest_home" in page  # what the live version changed
    assert ("publish refused", f"menu version {older}") in [a[:2] for a in audit(app)]

    publisher.post(f"/admin/menus/{older}/update", page=f"/admin/menus/{older}")
    publisher.post(f"/admin/menus/{older}/publish", page=f"/admin/menus/{older}")
    assert f"Version {older} is live" in publisher.get("/admin/menus").get_data(as_text=True)
    dial = ussd(app.test_client()).dial
    dial("+8562099990000", "5").see("4 Call LSSO")  # the newer publication's change is still there
    dial("+8562099990000", "4").see("Visit your district office")  # and the older draft's (in English now)
    assert any(a[0] == "draft brought up to date" and "nodes.guest_home" in a[2] for a in audit(app))


def test_a_conflict_needs_the_editors_choice(app, publisher):
    older, newer = new_draft(publisher), new_draft(publisher)
    edit(publisher, newer, CONTACT_EN, 'en: "Call LSSO"}')
    publisher.post(f"/admin/menus/{newer}/publish", page=f"/admin/menus/{newer}")
    edit(publisher, older, CONTACT_EN, 'en: "Phone LSSO"}')
    page = publisher.get(f"/admin/menus/{older}/yaml").get_data(as_text=True)
    assert 'name="choice:nodes.guest_home"' in page
    publisher.post(f"/admin/menus/{older}/update", page=f"/admin/menus/{older}")
    assert "choose, for each part both changed" in publisher.get(f"/admin/menus/{older}/yaml").get_data(as_text=True)
    publisher.post(f"/admin/menus/{older}/update", {"choice:nodes.guest_home": "mine"}, page=f"/admin/menus/{older}")
    publisher.post(f"/admin/menus/{older}/publish", page=f"/admin/menus/{older}")
    ussd(app.test_client()).dial("+8562099990000", "5").see("4 Phone LSSO")


def test_sign_out_ends_the_session_on_the_server(app, publisher):
    cookie = publisher.client.get_cookie("lsso_admin")
    publisher.post("/admin/logout", page="/admin/menus")
    thief = app.test_client()
    thief.environ_base["wsgi.url_scheme"] = "https"
    thief.set_cookie(cookie.key, cookie.value, domain=cookie.domain)  # the old cookie, replayed
    response = thief.get("/admin/menus")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_a_refused_action_is_in_the_audit_log(app):
    viewer = Staff(app, "view@lsso.gov.la", "viewer")
    viewer.sign_in()
    assert viewer.post("/admin/menus/1/rollback", page="/admin/menus").status_code == 403
    assert viewer.post("/admin/menus/drafts", page="/admin/menus").status_code == 403
    refused = [(a[1], a[2]) for a in audit(app) if a[0] == "refused"]
    assert refused == [("POST /admin/menus/1/rollback", "needs the publisher role"),
                       ("POST /admin/menus/drafts", "needs the editor role")]
