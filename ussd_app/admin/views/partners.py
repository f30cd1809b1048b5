"""Partners of the DCI API for publishers: register one, rotate its secret, revoke it, and see
what each asked for lately. Every change is in the audit log; a new secret is shown once, on
the page that made it, and kept only as its hash."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from ussd_app.admin import bp
from ussd_app.admin.audit import record
from ussd_app.admin.auth import current_user, requires
from ussd_app.admin.forms import ActionForm, PartnerForm
from ussd_app.admin.models import Role
from ussd_app.core.extensions import db
from ussd_app.dci import partners as registry
from ussd_app.dci.models import Access, Partner, Scope
from ussd_app.dci.purposes import PURPOSES
from ussd_app.ussd.runtime import runtime_of

RECENT_DAYS = 30


def _form(fresh: bool = False) -> PartnerForm:
    form = PartnerForm(formdata=None) if fresh else PartnerForm()
    form.scopes.choices = [SelectChoice(s.value, s.value) for s in Scope]
    form.purposes.choices = [SelectChoice(code, f"{code}: {p.what}") for code, p in PURPOSES.items()]
    return form


def _page(form: PartnerForm, credentials: tuple[Partner, str] | None = None, status: int = 200) -> ResponseReturnValue:
    since = runtime_of().clock.now() - timedelta(days=RECENT_DAYS)
    rows = registry.all_partners(db())
    calls = dict(db().execute(select(Access.partner_id, func.count()).where(Access.at >= since)
                              .group_by(Access.partner_id)).all())
    records = dict(db().execute(select(Access.partner_id, func.coalesce(func.sum(Access.records_returned), 0))
                                .where(Access.at >= since).group_by(Access.partner_id)).all())
    return render_template("admin/partners.html", partners=rows, calls=calls, records=records, form=form,
                           action=ActionForm(), credentials=credentials, days=RECENT_DAYS), status


@bp.get("/partners")
@requires(Role.PUBLISHER)
def partners() -> ResponseReturnValue:
    return _page(_form())


@bp.post("/partners")
@requires(Role.PUBLISHER)
def add_partner() -> ResponseReturnValue:
    form = _form()
    if not form.validate_on_submit():
        return _page(form, status=400)
    ordered = [code for code in request_order("purposes") if code in (form.purposes.data or [])]
    try:
        partner, secret = registry.add(db(), form.name.data.strip(), form.scopes.data or [], ordered,
                                       form.basis.data, form.callback_url.data or None, form.public_key.data or None,
                                       {"lo": form.label_lo.data or "", "en": form.label_en.data or ""})
    except registry.PartnerError as exc:
        form.name.errors = [str(exc)]
        db().rollback()
        return _page(form, status=400)
    record(db(), current_user().email, "partner added", f"partner {partner.name}",
           f"scopes {partner.scopes}; purposes {partner.purposes}; basis {partner.basis}; "
           f"callback {partner.callback_url or '-'}; key {'yes' if partner.public_key else 'no'}")
    db().commit()
    return _page(_form(fresh=True), (partner, secret))


def request_order(field: str) -> list[str]:
    """The values of a multi-valued field in the order the form sent them (the first is the default)."""
    return request.form.getlist(field)


@bp.post("/partners/<int:partner_id>/rotate")
@requires(Role.PUBLISHER)
def rotate_partner(partner_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    partner = db().get(Partner, partner_id) or abort(404)
    try:
        partner, secret = registry.rotate_secret(db(), partner.name)
    except registry.PartnerError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.partners"))
    record(db(), current_user().email, "partner secret rotated", f"partner {partner.name}", "")
    db().commit()
    return _page(_form(fresh=True), (partner, secret))


@bp.post("/partners/<int:partner_id>/revoke")
@requires(Role.PUBLISHER)
def revoke_partner(partner_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    partner = db().get(Partner, partner_id) or abort(404)
    registry.revoke(db(), partner.name)
    record(db(), current_user().email, "partner revoked", f"partner {partner.name}", "")
    db().commit()
    flash(_("%(name)s is revoked: its tokens stopped working, and it gets no new ones.", name=partner.name), "ok")
    return redirect(url_for("admin.partners"))
