"""The admin console through the test client: sign-in, roles, CSRF, editing, checking,
publishing, rolling back, conversation tests, the simulator and the audit log."""

from __future__ import annotations

import re

import pytest
import yaml
from sqlalchemy import select

from tests.admin_helpers import PASSWORD, Staff
from tests.conftest import make_app
from tests.ussd_dsl import ussd
from ussd_app.admin.models import AuditEntry
from ussd_app.core import keys
from ussd_app.core.extensions import clients
from ussd_app.members.models import Member

PAGES = ["/admin/menus", "/admin/menus/1", "/admin/simulator", "/admin/tests", "/admin/outbox", "/admin/analytics",
         "/admin/audit"]


@pytest.fixture
def publisher(app):
    staff = Staff(app, "pub@lsso.gov.la", "publisher")
    assert staff.sign_in().status_code == 302
    return staff


@pytest.fixture
def viewer(app):
    staff = Staff(app, "viewer@lsso.gov.la", "viewer")
    assert staff.sign_in().status_code == 302
    return staff


def draft_yaml(staff: Staff) -> tuple[int, str]:
    response = staff.post("/admin/menus/drafts", page="/admin/menus")
    assert response.status_code == 302
    version = int(response.headers["Location"].rsplit("/", 1)[1])
    html = staff.get(f"/admin/menus/{version}/yaml").get_data(as_text=True)
    text = re.search(r'<textarea id="yaml"[^>]*>\n?(.*?)</textarea>', html, re.S).group(1)
    import html as html_lib

    return version, html_lib.unescape(text)


def audit(app) -> list[tuple[str, str, str]]:
    with clients(app).sessions() as s:
        return [(e.actor, e.action, e.target) for e in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]


# ---- access -------------------------------------------------------------------------

@pytest.mark.parametrize("page", PAGES)
def test_not_signed_in_goes_to_sign_in(client, page):
    response = client.get(page)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


def test_wrong_password_is_refused_and_recorded(app):
    staff = Staff(app, "ed@lsso.gov.la", "editor")
    response = staff.sign_in("not the password")
    assert response.status_code == 401 and "ອີເມວ ຫຼື ລະຫັດຜ່ານບໍ່ຖືກ." in staff.last  # the sign-in page speaks Lao
    assert staff.get("/admin/menus").status_code == 302
    assert ("ed@lsso.gov.la", "sign-in refused", "") in audit(app)


def test_sign_in_attempts_are_throttled(app):
    staff = Staff(app, "ed@lsso.gov.la", "editor")
    for _ in range(5):
        staff.sign_in("wrong")
    response = staff.sign_in(PASSWORD)  # even the right password now waits
    assert response.status_code == 401 and "ເຂົ້າລະບົບຜິດຫຼາຍເທື່ອ" in staff.last  # too many failed sign-ins


def test_session_cookie_is_secure_httponly_samesite(app):
    staff = Staff(app, "v@lsso.gov.la", "viewer")
    response = staff.sign_in()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_sign_in_never_redirects_outside_the_console(app):
    staff = Staff(app, "v@lsso.gov.la", "viewer")
    staff.get("/admin/login")
    response = staff.post("/admin/login?next=https://evil.example/", {"email": "v@lsso.gov.la", "password": PASSWORD})
    assert response.headers["Location"] == "/admin/menus"


def test_forms_without_csrf_token_are_refused(publisher):
    response = publisher.post("/admin/menus/drafts", csrf=False)
    assert response.status_code == 400 and "Form expired" in publisher.last
    assert publisher.post("/admin/menus/drafts", {"csrf_token": "forged"}, csrf=False).status_code == 400


def test_roles(app):
    viewer, editor = Staff(app, "v@lsso.gov.la", "viewer"), Staff(app, "e@lsso.gov.la", "editor")
    viewer.sign_in()
    editor.sign_in()
    for page in PAGES:
        assert viewer.get(page).status_code == 200, page
    assert viewer.post("/admin/menus/drafts", page="/admin/menus").status_code == 403
    response = editor.post("/admin/menus/drafts", page="/admin/menus")
    assert response.status_code == 302
    version = response.headers["Location"].rsplit("/", 1)[1]
    yaml_tab = f"/admin/menus/{version}/yaml"
    assert viewer.post(yaml_tab, {"yaml": "x"}, page=yaml_tab).status_code == 403
    assert editor.post(f"/admin/menus/{version}/publish", page=f"/admin/menus/{version}/yaml").status_code == 403
    assert editor.post("/admin/menus/1/rollback", page="/admin/menus").status_code == 403


def test_create_user_refuses_short_passwords_and_unknown_roles(app):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["admin", "create-user", "x@lsso.gov.la", "--role", "editor", "--password", "short"])
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    bad = runner.invoke(args=["admin", "create-user", "x@lsso.gov.la", "--role", "boss", "--password", PASSWORD])
    assert bad.exit_code != 0


# ---- edit, check, publish, roll back --------------------------------------------------

def test_edit_check_publish_and_see_the_new_label_on_the_webhook(app, publisher):
    dialer = ussd(app.test_client())
    before = dialer.dial("+8562099990000").see("1 ເຊື່ອມເບີໂທ")  # a session already on version 1
    version, text = draft_yaml(publisher)
    broken = text.replace("to: link_start", "to: link_nowhere")
    publisher.post(f"/admin/menus/{version}/yaml", {"yaml": broken})
    page = publisher.get(f"/admin/menus/{version}/yaml").get_data(as_text=True)
    assert "it leads to a screen called “link_nowhere”, which does not exist" in page  # in plain words
    assert "<code>guest_home: next node &#39;link_nowhere&#39; does not exist</code>" in page  # and the checker's
    assert publisher.post(f"/admin/menus/{version}/publish", page=f"/admin/menus/{version}/yaml").status_code == 302
    assert "Not published" in publisher.get(f"/admin/menus/{version}/yaml").get_data(as_text=True)
    fixed = text.replace('{lo: "ເຊື່ອມເບີໂທ", en: "Link my phone"}', '{lo: "ເຊື່ອມເບີໂທລະສັບ", en: "Link phone"}')
    publisher.post(f"/admin/menus/{version}/yaml", {"yaml": fixed})
    assert "No problems" in publisher.get(f"/admin/menus/{version}/yaml").get_data(as_text=True)
    publisher.post(f"/admin/menus/{version}/publish", page=f"/admin/menus/{version}/yaml")
    assert f"Version {version} is live" in publisher.get("/admin/menus").get_data(as_text=True)
    dialer.dial("+8562099990000").see("1 ເຊື່ອມເບີໂທລະສັບ")  # a new session: the new version
    before.press("0").see("1 ເຊື່ອມເບີໂທ").not_see("ເຊື່ອມເບີໂທລະສັບ")  # the old one finishes on its own
    actions = [a[1] for a in audit(app)]
    assert actions[-4:] == ["draft saved", "publish refused", "draft saved", "published"]  # refusals too
    with clients(app).sessions() as s:
        saved = s.execute(select(AuditEntry).where(AuditEntry.action == "draft saved")
                          .order_by(AuditEntry.id.desc())).scalars().first()
    assert "+      - label: {lo: \"ເຊື່ອມເບີໂທລະສັບ\", en: \"Link phone\"}" in saved.detail  # what changed


def test_roll_back_to_an_earlier_version(app, publisher):
    version, text = draft_yaml(publisher)
    publisher.post(f"/admin/menus/{version}/yaml", {"yaml": text.replace('en: "Contact us"', 'en: "Call us"')})
    publisher.post(f"/admin/menus/{version}/publish", page=f"/admin/menus/{version}/yaml")
    ussd(app.test_client()).dial("+8562099990000", "5").see("4 Call us")
    publisher.post("/admin/menus/1/rollback", page="/admin/menus")
    ussd(app.test_client()).dial("+8562099990000").see("4 Contact us")
    assert (publisher.email, "rolled back", "menu version 1") in audit(app)


def test_published_versions_never_change(app, publisher):
    saved = publisher.post("/admin/menus/1/yaml", {"yaml": "spec_version: 1"}, page="/admin/menus/1/yaml")
    assert saved.status_code == 302
    assert "published versions never change" in publisher.get("/admin/menus/1/yaml").get_data(as_text=True)
    assert "seeded from main.yaml" in publisher.get("/admin/menus/1").get_data(as_text=True)  # v1 as it was


def test_invalid_yaml_is_saved_with_its_problem_listed(publisher):
    version, _ = draft_yaml(publisher)
    publisher.post(f"/admin/menus/{version}/yaml", {"yaml": "nodes: [unclosed"})
    page = publisher.get(f"/admin/menus/{version}/yaml").get_data(as_text=True)
    assert "the YAML text cannot be read at line 1" in page and "not valid YAML at line 1" in page
    assert "nodes: [unclosed" in page  # kept as typed


def test_every_kind_of_problem_is_listed_with_its_node(publisher):
    version, text = draft_yaml(publisher)
    raw = yaml.safe_load(text)
    raw["nodes"]["orphan"] = {"type": "end", "text": {"lo": "ກ", "en": "x"}}
    raw["nodes"]["contact"]["text"]["lo"] = "ຕິດຕໍ່ຫ້ອງການ ປກສ ແຂວງ ຫຼື ເມືອງ ໃກ້ບ້ານ " * 3
    del raw["nodes"]["voluntary_info"]["text"]["en"]
    raw["nodes"]["link_ssn"]["validate"] = [{"regex": "[0-9"}]
    raw["nodes"]["eligibility"]["action"] = "pay_out"
    raw["nodes"]["guest_home"]["options"][1]["to"] = "gone"
    publisher.post(f"/admin/menus/{version}/yaml", {"yaml": yaml.safe_dump(raw, allow_unicode=True)})
    page = publisher.get(f"/admin/menus/{version}/yaml").get_data(as_text=True)
    # The screens cut off by the broken link are folded under it, not listed as mistakes of their own.
    assert re.search(r"cannot be reached until the error above is fixed: [^<]*orphan", page)
    for expected in ("<code>contact: screen over budget in lo",
                     "<code>voluntary_info: text: missing en translation",
                     "<code>link_ssn: invalid regex",
                     "<code>eligibility: unknown action &#39;pay_out&#39;",
                     "<code>guest_home: next node &#39;gone&#39; does not exist"):
        assert expected in page, expected
    for plain in ("the title has no English text", "it leads to a screen called “gone”, which does not exist",
                  "in Lao this screen takes"):
        assert plain in page, plain


# ---- conversation tests -----------------------------------------------------------------

def test_a_failing_conversation_test_blocks_publishing(app, publisher):
    script = "phone +8562055512345\nexpect ປກສ\npress 1\npin right\nexpect ຈ່າຍແລ້ວ\n"
    assert publisher.post("/admin/tests/new", {"name": "contributions", "script": script},
                          page="/admin/tests/new").status_code == 302
    version, text = draft_yaml(publisher)
    publisher.post(f"/admin/menus/{version}/yaml", {"yaml": text.replace("ຈ່າຍແລ້ວ {months}", "ຈ່າຍ {months}")})
    publisher.post(f"/admin/menus/{version}/publish", page=f"/admin/menus/{version}/yaml")
    page = publisher.get(f"/admin/menus/{version}/yaml").get_data(as_text=True)
    assert "Not published: 1 conversation test(s) fail: contributions: version" in page
    # The failure says what was expected, on the draft's own copy of the test.
    assert "ຈ່າຍແລ້ວ" in publisher.get(f"/admin/tests?version={version}").get_data(as_text=True)
    publisher.post(f"/admin/menus/{version}/yaml", {"yaml": text})
    publisher.post(f"/admin/menus/{version}/publish", page=f"/admin/menus/{version}/yaml")
    assert f"Version {version} is live" in publisher.get("/admin/menus").get_data(as_text=True)


def test_bad_test_script_is_refused_with_a_reason(publisher):
    response = publisher.post("/admin/tests/new", {"name": "x", "script": "press 1\n"}, page="/admin/tests/new")
    assert response.status_code == 400 and "the first line must be: phone" in publisher.last


# ---- simulator ------------------------------------------------------------------------------

def test_simulator_shows_screens_sizes_and_page_breaks_and_writes_nothing(app, publisher):
    publisher.get("/admin/simulator")
    publisher.post("/admin/simulator", {"version": "1", "phone": "020 5553 4567", "do": "dial"})
    assert "73 of 80 characters · UCS-2" in re.sub(r"</?strong>", "", publisher.last)  # the guest menu
    sim = re.search(r'name="sim" value="([^"]+)"', publisher.last).group(1)
    for key in ("1", "1003456789", "03111992", "4826", "4826"):
        publisher.post("/admin/simulator", {"version": "1", "phone": "020 5553 4567", "do": "press", "sim": sim,
                                            "key": key})
    assert "ເຊື່ອມເບີສຳເລັດ" in publisher.last and "session ended" in publisher.last
    assert "link this phone" in publisher.last and "queue an SMS (phone_linked, lo)" in publisher.last
    with clients(app).sessions() as s:
        assert s.execute(select(Member.linked_at).where(Member.ssn == "1003456789")).scalar() is None


def test_simulator_marks_page_breaks_of_long_screens(publisher):
    _simulate(publisher, "+8562055512345", ("press", "2"), ("pin-right", ""))
    assert "— page break —" in publisher.last and "page 1 of" in publisher.last


def _simulate(staff, phone: str, *steps: tuple[str, str]) -> str:  # type: ignore[no-untyped-def]
    staff.get("/admin/simulator")
    staff.post("/admin/simulator", {"version": "1", "phone": phone, "do": "dial"})
    sim = re.search(r'name="sim" value="([^"]+)"', staff.last).group(1)
    for do, key in steps:
        staff.post("/admin/simulator", {"version": "1", "phone": phone, "do": do, "sim": sim, "key": key})
    return sim


def test_simulator_is_no_pin_oracle(app, viewer):
    """Typing PINs at a real member's PIN screen checks nothing; right or wrong is chosen."""
    _simulate(viewer, "+8562055512345", ("press", "1"), ("press", "2580"))
    assert "Not sent: the simulator never checks a member&#39;s real PIN" in viewer.last
    assert "ຈ່າຍແລ້ວ" not in viewer.last
    assert 'id="pin-right"' in viewer.last and 'id="key"' not in viewer.last
    sim = _simulate(viewer, "+8562055512345", ("press", "1"), ("pin-wrong", ""), ("pin-right", ""))
    assert "ຈ່າຍແລ້ວ" in viewer.last  # the right PIN "typed": the member's real figures
    # Nothing typed on a PIN screen is kept in clear, and "wrong PIN" counted nothing for real.
    kept = clients(app).redis.get(keys.SIMULATION.format(sim_id=sim)).decode()
    assert "2580" not in kept and "right PIN" in kept
    dial = ussd(app.test_client()).dial
    dial("+8562055512345").press("1", "1111").see("ເຫຼືອ 2 ເທື່ອ")  # the real count is untouched


def test_pins_chosen_in_the_simulator_are_kept_masked(app, viewer):
    sim = _simulate(viewer, "020 5553 4567", *[("press", k) for k in ("1", "1003456789", "03111992", "4826", "4826")])
    assert "ເຊື່ອມເບີສຳເລັດ" in viewer.last
    kept = clients(app).redis.get(keys.SIMULATION.format(sim_id=sim)).decode()
    assert "4826" not in kept and "••••" in kept and "4826" not in viewer.last


def test_simulating_a_real_member_is_audited(app, viewer):
    _simulate(viewer, "+8562055512345")
    _simulate(viewer, "+8562099990000")  # not a member: nothing to record
    with clients(app).sessions() as s:
        entries = s.execute(select(AuditEntry).where(AuditEntry.action == "simulated a member")).scalars().all()
    assert [(e.actor, e.target) for e in entries] == [(viewer.email, "phone +856205*****45")]


def test_a_conversation_test_typing_a_pin_is_refused(app, publisher):
    script = "phone +8562055512345\npress 1\npress 2580\nexpect ຈ່າຍແລ້ວ\n"
    from ussd_app.admin.testing import simulation_services
    from ussd_app.core.extensions import request_unit
    from ussd_app.publishing.conversation_tests import run
    from ussd_app.ussd.runtime import runtime_of

    with app.test_request_context():
        definition = runtime_of(app).menus.current()
        result = run(script, definition, lambda: simulation_services(runtime_of(app), request_unit()))
    assert not result.passed and "PIN screen: write 'pin right' or 'pin wrong'" in result.message


def test_admin_pages_send_a_strict_content_security_policy(publisher):
    response = publisher.get("/admin/menus")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "http" not in re.sub(r"https?://localhost", "", publisher.last.split("<body>")[0])  # no CDN


def test_demo_can_turn_the_secure_cookie_off_for_plain_http(database_url):
    """make run serves plain http: staff sign in and stay signed in (a Secure cookie would never
    come back over http)."""
    app = make_app(database_url, ADMIN_COOKIE_SECURE=False)
    staff = Staff(app, "v@lsso.gov.la", "viewer")
    response = staff.sign_in()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" not in cookie
    assert staff.get("/admin/menus").status_code == 200
