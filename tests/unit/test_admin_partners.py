"""The console's Partners page: publishers register partner schemes, give them a new secret or
revoke them; the secret is shown once and works at once; others may not; all of it audited."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.admin_helpers import Staff
from tests.dci_partner import Partner
from tests.demo_people import FROZEN_NOW, PENSIONER_SSN
from ussd_app.admin.models import AuditEntry
from ussd_app.core.extensions import clients
from ussd_app.dci.models import Partner as PartnerRow

FORM = {"name": "nhi.gov.la", "label_lo": "ປະກັນສຸຂະພາບ", "label_en": "Health insurance", "basis": "law",
        "scopes": ["registry.search"], "purposes": ["verify-enrolment"], "callback_url": "", "public_key": ""}


def credentials(html: str) -> tuple[str, str]:
    found = re.search(r"client_id=(\S+)\s+client_secret=(\S+)</pre>", html)
    assert found, html
    return found[1], found[2]


def test_a_publisher_registers_a_partner_whose_credentials_work_at_once(app, client):
    publisher = Staff(app, "pub@lsso.gov.la", "publisher")
    publisher.sign_in()
    page = publisher.get("/admin/partners")
    assert page.status_code == 200 and "Register a partner" in publisher.last
    added = publisher.post("/admin/partners", FORM)
    assert added.status_code == 200
    client_id, secret = credentials(publisher.last)
    partner = Partner(client, "nhi.gov.la", client_id, secret, FROZEN_NOW)
    assert "access_token" in partner.get_token()
    assert partner.search("idtype-value", {"type": "SSN", "value": PENSIONER_SSN}).status_code == 200
    listed = publisher.get("/admin/partners").get_data(as_text=True)
    assert "Health insurance" in listed and secret not in listed  # shown once
    with clients(app).sessions() as s:
        row = s.execute(select(PartnerRow)).scalar_one()
        assert secret not in row.secret_hash and row.label_lo == "ປະກັນສຸຂະພາບ"


def test_a_new_secret_replaces_the_old_and_a_revoked_partner_is_shut_out(app, client):
    publisher = Staff(app, "pub@lsso.gov.la", "publisher")
    publisher.sign_in()
    publisher.get("/admin/partners")
    publisher.post("/admin/partners", FORM)
    client_id, first = credentials(publisher.last)
    with clients(app).sessions() as s:
        partner_id = s.execute(select(PartnerRow.id)).scalar_one()
    publisher.post(f"/admin/partners/{partner_id}/rotate", page="/admin/partners")
    _, second = credentials(publisher.last)
    assert Partner(client, "nhi.gov.la", client_id, first, FROZEN_NOW).get_token().get("error") == "invalid_client"
    holder = Partner(client, "nhi.gov.la", client_id, second, FROZEN_NOW)
    assert "access_token" in holder.get_token()
    publisher.post(f"/admin/partners/{partner_id}/revoke", page="/admin/partners")
    assert holder.search("idtype-value", {"type": "SSN", "value": PENSIONER_SSN}).status_code == 401
    with clients(app).sessions() as s:
        actions = s.execute(select(AuditEntry.action).where(AuditEntry.target == "partner nhi.gov.la")
                            .order_by(AuditEntry.id)).scalars().all()
    assert actions == ["partner added", "partner secret rotated", "partner revoked"]


def test_a_bad_registration_is_shown_again_with_its_reason(app):
    publisher = Staff(app, "pub@lsso.gov.la", "publisher")
    publisher.sign_in()
    publisher.get("/admin/partners")
    refused = publisher.post("/admin/partners", {**FORM, "name": "Not A Name!", "callback_url": "ftp://x"})
    assert refused.status_code == 400 and "sender_id" in publisher.last
    too_long = publisher.post("/admin/partners", {**FORM, "label_lo": "ກ" * 30}, page="/admin/partners")
    assert too_long.status_code == 400 and "at most 21 characters" in publisher.last


def test_editors_and_viewers_may_not_see_or_change_partners(app):
    editor = Staff(app, "ed@lsso.gov.la", "editor")
    editor.sign_in()
    assert editor.get("/admin/partners").status_code == 403
    assert "Partners" not in editor.get("/admin/menus").get_data(as_text=True)
    with clients(app).sessions() as s:
        refused = s.execute(select(AuditEntry).where(AuditEntry.action == "refused")).scalars().all()
    assert refused and refused[0].actor == "ed@lsso.gov.la"
