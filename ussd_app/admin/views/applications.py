"""The applications queue: people who asked to join the voluntary scheme by phone, for the staff
who check their documents at an office or a mobile unit. Any member of staff may read it;
publishers (the role that acts on what reaches members) approve with the SSN issued, or reject
with a reason the applicant gets by SMS. Each decision is audited in its own transaction, and
its SMS is queued once that transaction is committed.

Filters travel in the query string (also of the forms' actions), so a decision brings staff
back to the list they were working through. Phone numbers only ever appear masked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from sms.outbox import InvalidRecipient
from sms.templates import TemplateError
from ussd_app.admin import VIENTIANE, bp
from ussd_app.admin.audit import record
from ussd_app.admin.auth import current_user, requires
from ussd_app.admin.forms import ActionForm, ApproveForm, RejectForm
from ussd_app.admin.models import Role
from ussd_app.core.extensions import db
from ussd_app.enrolment import applications as decisions
from ussd_app.enrolment.models import Application, ApplicationStatus, IdKind
from ussd_app.enrolment.occupations import OCCUPATIONS
from ussd_app.enrolment.places import Place, default_places
from ussd_app.enrolment.references import payment_reference
from ussd_app.members.models import Member
from ussd_app.publishing.problems import N_
from ussd_app.text.phones import mask
from ussd_app.ussd.runtime import runtime_of

DECIDES = Role.PUBLISHER  # creating a member and sending SMS reaches members, as publishing a menu does
STATUSES = (ApplicationStatus.OPEN.value, ApplicationStatus.APPROVED.value, ApplicationStatus.REJECTED.value, "all")
AGES = (7, 14, 30)  # "waiting N days or more"; 0 is any age
PAGE = 50
ID_KINDS = {IdKind.NATIONAL_ID.value: N_("National ID"), IdKind.FAMILY_BOOK.value: N_("Family book")}


@dataclass(frozen=True)
class Filters:
    province: str = ""  # English name, as stored; "" for every province
    status: str = ApplicationStatus.OPEN.value
    older_than: int = 0  # days waiting, at least; 0 for any
    after: int | None = None  # keyset cursor: the last application of the previous page
    problems: list[str] = field(default_factory=list)

    @property
    def oldest_first(self) -> bool:
        return self.status == ApplicationStatus.OPEN.value  # the queue; decided ones newest first

    def query_args(self, **changes: object) -> dict[str, Any]:
        """The query string for a link that keeps these filters (defaults left out)."""
        args = {"province": self.province, "status": self.status, "older_than": self.older_than,
                "after": self.after, **changes}
        return {k: v for k, v in args.items()
                if v not in ("", None, 0) and not (k == "status" and v == ApplicationStatus.OPEN.value)}


def read_filters(args: MultiDict[str, str]) -> Filters:
    """What the query string asks for; a value we cannot use becomes a one-line problem, never an error page."""
    problems: list[str] = []
    province = args.get("province", "").strip()
    if province and default_places().province(province) is None:
        problems.append(_("Unknown province %(p)r: showing every province.", p=province[:40]))
        province = ""
    status = args.get("status", "").strip() or ApplicationStatus.OPEN.value
    if status not in STATUSES:
        problems.append(_("Unknown status %(s)r: showing the open applications.", s=status[:20]))
        status = ApplicationStatus.OPEN.value
    older_than = args.get("older_than", 0, type=int)
    if older_than not in (0, *AGES):
        problems.append(_("Waiting time %(w)r is not one of the choices: showing any.",
                          w=args.get("older_than", "")[:10]))
        older_than = 0
    after = args.get("after", None, type=int)
    return Filters(province, status, older_than, after if after and after > 0 else None, problems)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # SQLite hands back naive UTC


def local_day(moment: datetime) -> date:
    return _utc(moment).astimezone(VIENTIANE).date()


def day_starts(day: date) -> datetime:
    """Local midnight at the start of `day`, in UTC (what created_at is stored in)."""
    return datetime.combine(day, time(), VIENTIANE).astimezone(timezone.utc)


def _filtered(f: Filters, today: date) -> Select[Application]:
    query = select(Application)
    if f.status != "all":
        query = query.where(Application.status == f.status)
    if f.province:
        query = query.where(Application.province == f.province)
    if f.older_than:
        # Waiting N days or more, as the Received column counts them: saved on a local day N days ago or earlier.
        query = query.where(Application.created_at < day_starts(today - timedelta(days=f.older_than - 1)))
    return query


def find_applications(f: Filters, today: date) -> tuple[list[Application], int | None]:
    """One page, and the cursor of the next one if there is more."""
    query = _filtered(f, today)
    created, key = Application.created_at, Application.id
    cursor = db().get(Application, f.after) if f.after else None
    if cursor is not None:
        at = _utc(cursor.created_at)
        if f.oldest_first:
            query = query.where(or_(created > at, and_(created == at, key > cursor.id)))
        else:
            query = query.where(or_(created < at, and_(created == at, key < cursor.id)))
    order = (created.asc(), key.asc()) if f.oldest_first else (created.desc(), key.desc())
    rows = list(db().execute(query.order_by(*order).limit(PAGE + 1)).scalars())
    more = rows[PAGE - 1].id if len(rows) > PAGE else None
    return rows[:PAGE], more


@dataclass(frozen=True)
class Row:
    application: Application
    received: date
    waiting_days: int
    id_kind: str
    age: int  # years, today
    province: Place | None
    district: Place | None
    occupation: dict[str, str]
    contribution: int | None  # a month, on the declared income
    phone: str  # masked
    ssn: str  # of the member an approval made
    payment_reference: str

    @property
    def open(self) -> bool:
        return self.application.status == ApplicationStatus.OPEN.value


def _years(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def rows_for(applications: list[Application], today: date) -> list[Row]:
    places, rates = default_places(), runtime_of().dues.rates
    member_ids = [a.member_id for a in applications if a.member_id]
    ssns = dict(db().execute(select(Member.id, Member.ssn).where(Member.id.in_(member_ids))).all()) if member_ids \
        else {}
    rows = []
    for a in applications:
        try:
            contribution: int | None = rates.contribution_for(a.declared_income_lak)
        except ValueError:
            contribution = None
        received = local_day(a.created_at)
        rows.append(Row(a, received, (today - received).days, ID_KINDS.get(a.id_kind, a.id_kind),
                        _years(a.date_of_birth, today), places.province(a.province),
                        places.district(a.province, a.district),
                        OCCUPATIONS.get(a.occupation, {"en": a.occupation, "lo": ""}), contribution, mask(a.phone),
                        ssns.get(a.member_id, "") if a.member_id else "",
                        payment_reference(a.member_id) if a.member_id else ""))
    return rows


def counts(f: Filters) -> dict[str, int]:
    """Applications by status, in the province shown (every status, zeros included)."""
    query = select(Application.status, func.count()).group_by(Application.status)
    if f.province:
        query = query.where(Application.province == f.province)
    found = dict(db().execute(query).all())
    return {s: found.get(s, 0) for s in STATUSES if s != "all"}


def _page(errors: dict[int, str] | None = None, typed: dict[int, dict[str, str]] | None = None,
          status: int = 200) -> ResponseReturnValue:
    """The list for the query string's filters; `errors` and `typed` (by application id) after a refused decision."""
    f = read_filters(request.args)
    today = runtime_of().clock.today()
    applications, more = find_applications(f, today)
    rows = rows_for(applications, today)
    shown = {r.application.id for r in rows}
    elsewhere = []  # refusals about an application this page does not list (decided meanwhile, say)
    for application_id, message in (errors or {}).items():
        if application_id not in shown:
            found = db().get(Application, application_id)
            elsewhere.append(_("Application %(ref)s: %(why)s", ref=found.reference, why=message) if found else message)
    return render_template("admin/applications.html", f=f, rows=rows, more=more, counts=counts(f),
                           provinces=default_places().provinces, statuses=STATUSES, ages=AGES, errors=errors or {},
                           elsewhere=elsewhere, typed=typed or {}, action=ActionForm(), decides=DECIDES,
                           rate=f"{runtime_of().dues.rates.rate_pct:g}", words=status_words()), status


def status_words() -> dict[str, str]:
    return {ApplicationStatus.OPEN.value: _("open"), ApplicationStatus.APPROVED.value: _("approved"),
            ApplicationStatus.REJECTED.value: _("rejected"), "all": _("all")}


@bp.get("/applications")
@requires(Role.VIEWER)
def applications() -> ResponseReturnValue:
    return _page()


def _back() -> ResponseReturnValue:
    return redirect(url_for("admin.applications", **read_filters(request.args).query_args(after=None)))


def _refused(application_id: int, message: str, typed: dict[str, str]) -> ResponseReturnValue:
    db().rollback()  # nothing the attempt wrote stays
    return _page({application_id: message}, {application_id: typed}, status=400)


def _form_message(form: ApproveForm | RejectForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@bp.post("/applications/<int:application_id>/approve")
@requires(DECIDES)
def approve_application(application_id: int) -> ResponseReturnValue:
    form = ApproveForm()
    typed = {"ssn": (form.ssn.data or "")[:40], "full_name": (form.full_name.data or "")[:200]}
    if not form.validate_on_submit():
        return _refused(application_id, _form_message(form), typed)
    rt, staff = runtime_of(), current_user()
    assert staff is not None  # @requires
    try:
        decided = decisions.approve(db(), application_id, ssn=form.ssn.data, full_name=form.full_name.data,
                                    staff=staff.email, now=rt.clock.now(), today=rt.clock.today(), policy=rt.dues,
                                    templates=rt.sms.templates, service_code=rt.config["USSD_SERVICE_CODE"])
        application = decided.application
        name = " ".join(form.full_name.data.split())
        record(db(), staff.email, "application approved", f"application {application.reference}",
               f"member #{application.member_id}; SSN {form.ssn.data.strip()}; name {name}; {application.province}, "
               f"{application.district}; welcome SMS {decided.message_ids or 'already queued'}")
        db().commit()
    except decisions.DecisionError as exc:
        return _refused(application_id, str(exc), typed)
    except IntegrityError:  # the same SSN or ID given to another member at this very moment
        return _refused(application_id, _("Another member was just given this social security number or ID: "
                                          "reload the page and check."), typed)
    except (InvalidRecipient, TemplateError) as exc:
        current_app.logger.warning("approval of application %s refused: %s", application_id, exc)
        return _refused(application_id, _("The welcome SMS cannot be written (%(why)s).", why=exc), typed)
    rt.sms.enqueue(decided.message_ids)
    flash(_("Application %(ref)s approved: member %(ssn)s is registered and the phone that applied is linked (the "
            "member chooses a PIN on the next dial). The welcome SMS is queued.", ref=application.reference,
            ssn=form.ssn.data.strip()), "ok")
    return _back()


@bp.post("/applications/<int:application_id>/reject")
@requires(DECIDES)
def reject_application(application_id: int) -> ResponseReturnValue:
    form = RejectForm()
    typed = {"reason": (form.reason.data or "")[:400]}
    if not form.validate_on_submit():
        return _refused(application_id, _form_message(form), typed)
    rt, staff = runtime_of(), current_user()
    assert staff is not None  # @requires
    try:
        decided = decisions.reject(db(), application_id, reason=form.reason.data, staff=staff.email,
                                   now=rt.clock.now(), templates=rt.sms.templates)
        application = decided.application
        record(db(), staff.email, "application rejected", f"application {application.reference}",
               f"reason: {application.reason}; SMS {decided.message_ids or 'already queued'}")
        db().commit()
    except decisions.DecisionError as exc:
        return _refused(application_id, str(exc), typed)
    except TemplateError:
        return _refused(application_id, "The reason is too long for the SMS: say it in fewer words.", typed)
    except InvalidRecipient as exc:
        return _refused(application_id, _("The SMS cannot be sent (%(why)s).", why=exc), typed)
    rt.sms.enqueue(decided.message_ids)
    flash(_("Application %(ref)s rejected. The applicant gets the reason by SMS.", ref=application.reference), "ok")
    return _back()
