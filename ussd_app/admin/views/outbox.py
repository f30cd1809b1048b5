"""The SMS outbox page: messages (filtered, newest first), counts by status, and reminder runs.

The same data as `flask sms outbox` and `flask sms stats`, for staff without a shell. Staff may
read message bodies, but a recipient's number only ever appears masked.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from sms.models import Kind, ReminderRun, SmsEvent, SmsMessage, Status
from ussd_app.admin import bp
from ussd_app.admin.auth import requires
from ussd_app.admin.models import Role
from ussd_app.core.extensions import db
from ussd_app.text.phones import InvalidPhone, mask, normalise

PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE = 50
RUNS_SHOWN = 20


@dataclass(frozen=True)
class Filters:
    status: str = ""
    kind: str = ""
    phone: str = ""  # as typed: echoed back so the form keeps it (the person typing it already knows it)
    recipient: str | None = None  # E.164, when `phone` could be read
    per_page: int = DEFAULT_PAGE
    before: int | None = None  # keyset cursor: only messages with a smaller id (older)
    problems: list[str] = field(default_factory=list)

    def query_args(self, **changes: object) -> dict[str, object]:
        """The query string for a link that keeps these filters (empty ones left out)."""
        args = {"status": self.status, "kind": self.kind, "phone": self.phone, "per_page": self.per_page,
                "before": self.before, **changes}
        return {k: v for k, v in args.items() if v not in ("", None) and not (k == "per_page" and v == DEFAULT_PAGE)}


@dataclass(frozen=True)
class Row:
    message: SmsMessage
    to: str  # masked recipient
    body: str
    last_error: str
    provider_status: str
    events: list[tuple[str, str, datetime]]  # (status, detail, at)


@dataclass(frozen=True)
class RunView:
    run: ReminderRun
    percent: int
    skipped: list[tuple[str, int]]  # reason, count; most frequent first


def read_filters(args: MultiDict[str, str]) -> Filters:
    """What the query string asks for; a value we cannot use becomes a one-line problem, never an error page."""
    problems: list[str] = []
    status = _choice(args.get("status", ""), [s.value for s in Status], "status", problems)
    kind = _choice(args.get("kind", ""), [k.value for k in Kind], "kind", problems)
    phone = args.get("phone", "").strip()
    recipient = None
    if phone:
        try:
            recipient = normalise(phone)
        except InvalidPhone as exc:
            # phonenumbers' own wording is for programmers; staff need to know what to type instead.
            problems.append(_("Could not read the phone number %(phone)r (%(why)s): type it like 020 5555 1234. "
                              "Showing no messages.", phone=phone[:30], why=str(exc).split(":")[0]))
    per_page = args.get("per_page", DEFAULT_PAGE, type=int)
    before = args.get("before", None, type=int)
    return Filters(status, kind, phone, recipient, per_page if per_page in PAGE_SIZES else DEFAULT_PAGE,
                   before if before and before > 0 else None, problems)


def _choice(value: str, allowed: list[str], name: str, problems: list[str]) -> str:
    value = value.strip()
    if value and value not in allowed:
        problems.append(_("Unknown %(name)s %(value)r: showing every %(name)s.", name=name, value=value[:40]))
        return ""
    return value


def find_messages(f: Filters) -> tuple[list[SmsMessage], int | None]:
    """One page of messages, newest first, and the cursor for the next (older) page, if there is one."""
    if f.phone and f.recipient is None:
        return [], None  # an unreadable phone must not silently widen to every message
    query = select(SmsMessage).order_by(SmsMessage.id.desc()).limit(f.per_page + 1)
    if f.status:
        query = query.where(SmsMessage.status == f.status)
    if f.kind:
        query = query.where(SmsMessage.kind == f.kind)
    if f.recipient:
        query = query.where(SmsMessage.recipient == f.recipient)
    if f.before:
        query = query.where(SmsMessage.id < f.before)
    rows = list(db().execute(query).scalars())
    older = rows[f.per_page - 1].id if len(rows) > f.per_page else None
    return rows[: f.per_page], older


def history(message_ids: list[int]) -> dict[int, list[tuple[str, str, datetime]]]:
    """The events of these messages in one query, oldest first per message."""
    events: dict[int, list[tuple[str, str, datetime]]] = defaultdict(list)
    if message_ids:
        query = select(SmsEvent).where(SmsEvent.message_id.in_(message_ids)).order_by(SmsEvent.id)
        for e in db().execute(query).scalars():
            events[e.message_id].append((e.status, e.detail, e.at))
    return events


def scrub(text: str | None, recipient: str) -> str:
    """Free text (a body, a provider's error) with the recipient's own number masked wherever it appears."""
    if not text:
        return ""
    national = "0" + recipient[4:] if recipient.startswith("+856") else recipient
    for form in (recipient, recipient.lstrip("+"), national, national.lstrip("0")):
        if len(form) >= 8:  # never mask a short fragment that could be part of an amount
            text = text.replace(form, mask(recipient))
    return text


def rows_for(messages: list[SmsMessage]) -> list[Row]:
    events = history([m.id for m in messages])
    return [Row(m, mask(m.recipient), scrub(m.body, m.recipient), scrub(m.last_error, m.recipient),
                scrub(m.provider_status, m.recipient),
                [(s, scrub(d, m.recipient), at) for s, d, at in events.get(m.id, [])]) for m in messages]


@dataclass(frozen=True)
class Stats:
    by_status: list[tuple[str, int]]  # every status, in lifecycle order, zeros included
    in_doubt: int
    oldest_queued: datetime | None


def stats() -> Stats:
    """What `flask sms stats` says: messages by status, those in doubt, the oldest still queued."""
    by_status = dict(db().execute(select(SmsMessage.status, func.count()).group_by(SmsMessage.status)).all())
    in_doubt = db().execute(select(func.count()).where(SmsMessage.in_doubt.is_(True),
                                                       SmsMessage.status == Status.SENDING.value)).scalar_one()
    oldest = db().execute(select(func.min(SmsMessage.created_at))
                          .where(SmsMessage.status == Status.QUEUED.value)).scalar()
    return Stats([(s.value, by_status.get(s.value, 0)) for s in Status], in_doubt, oldest)


def recent_runs() -> list[RunView]:
    runs = db().execute(select(ReminderRun).order_by(ReminderRun.id.desc()).limit(RUNS_SHOWN)).scalars()
    return [RunView(r, _percent(r), _skipped(r.skipped)) for r in runs]


def _percent(run: ReminderRun) -> int:
    if not run.selected:
        return 100 if run.status == "done" else 0
    return max(0, min(100, round(100 * run.processed / run.selected)))


def _skipped(raw: str | None) -> list[tuple[str, int]]:
    # Written by the run itself, but a hand-edited or truncated row must not take the page down.
    try:
        counts = json.loads(raw or "{}")
    except ValueError:
        return [("(unreadable skip counts)", 0)]
    if not isinstance(counts, dict):
        return []
    return sorted(((str(k), int(v)) for k, v in counts.items() if isinstance(v, int)), key=lambda kv: (-kv[1], kv[0]))


@bp.get("/outbox")
@requires(Role.VIEWER)
def outbox() -> ResponseReturnValue:
    filters = read_filters(request.args)
    messages, older = find_messages(filters)
    return render_template("admin/outbox.html", f=filters, rows=rows_for(messages), older=older,
                           stats=stats(), runs=recent_runs(), statuses=[s.value for s in Status],
                           kinds=[k.value for k in Kind], page_sizes=PAGE_SIZES, status_words=status_words())


def status_words() -> dict[str, str]:
    """A message's status as staff read it: "stored" is the local outbox's, never sent to a phone."""
    return {Status.QUEUED.value: _("queued"), Status.SENDING.value: _("sending"), Status.SENT.value: _("sent"),
            Status.DELIVERED.value: _("delivered"), Status.FAILED.value: _("failed"),
            Status.REJECTED.value: _("rejected"), Status.CANCELLED.value: _("cancelled"),
            Status.STORED.value: _("stored locally (not sent)")}
