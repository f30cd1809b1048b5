"""Analytics: where members go in the menu, where they give up, and which screens they mistype on;
and how many people started, completed, got approved and paid for joining the voluntary scheme.

Read from the usage figures (`ussd_app.analytics.usage`): days rolled up into the database, the
others (today) live from Redis; nodes in the order and with the labels of the live menu.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, func, select

from ussd_app.admin import bp
from ussd_app.admin.auth import requires
from ussd_app.admin.models import Role
from ussd_app.admin.svg_charts import Bar, daily_chart, funnel_chart
from ussd_app.analytics import usage as usage_stats
from ussd_app.core.extensions import db, redis_client
from ussd_app.engine.model import Definition
from ussd_app.enrolment.models import Application, ApplicationStatus, Payment
from ussd_app.enrolment.places import default_places
from ussd_app.text.operators import operator_name
from ussd_app.ussd.runtime import runtime_of

PERIODS = (7, 30)
LANGUAGES = ("lo", "en")
NETWORK = re.compile(r"^[0-9A-Za-z-]{1,20}$")
JOIN_NODE = "join_id_kind"  # the first question of joining the voluntary scheme: reaching it is "started"


@bp.get("/analytics")
@requires(Role.VIEWER)
def analytics() -> ResponseReturnValue:
    days = int(request.args["days"]) if request.args.get("days") in {str(p) for p in PERIODS} else PERIODS[0]
    lang = request.args.get("lang") if request.args.get("lang") in LANGUAGES else None
    network = request.args.get("network", "")
    network = network if NETWORK.match(network) and network != "all" else None
    end = runtime_of().clock.today()
    start = end - timedelta(days=days - 1)
    definition = runtime_of().menus.current()
    figures = usage_stats.funnel(db(), redis_client(), start, end, lang=lang, network=network,
                                 order=list(definition.nodes), tz=current_app.config["TIMEZONE"],
                                 daily_node=definition.start)
    labels = node_labels(definition)
    ui = str(get_locale() or "lo")
    names = {node: label.get(ui) or label.get("en") or node for node, label in labels.items()}
    kinds = {node_id: node.TYPE for node_id, node in definition.nodes.items()}
    bars = [Bar(label=names.get(row.node, row.node) if row.node else _("(unknown)"), value=row.reached,
                part=row.ended, rate=row.invalid_rate, tip=_tip(row, names.get(row.node, "")))
            for row in figures.rows]
    start_row = next((r for r in figures.rows if r.node == definition.start), None)
    totals = {
        "sessions": start_row.reached if start_row else 0,
        "ended": sum(r.ended for r in figures.rows),
        "inputs": sum(r.inputs for r in figures.rows),
        "invalid": sum(r.invalid for r in figures.rows),
    }
    live = [day for day, source in figures.sources.items() if source == "redis"]
    stored = [day for day, source in figures.sources.items() if source == "database"]
    networks = sorted({*figures.networks, *([network] if network else [])})
    network_names = {code: network_name(code) for code in {*networks, *(net for _node, net in figures.drops)}
                     if code != "-"}
    if lang or network:  # the enrolment line is over the period only: the applications have no network
        figures_all = usage_stats.funnel(db(), redis_client(), start, end, order=[JOIN_NODE],
                                         tz=current_app.config["TIMEZONE"])
    else:
        figures_all = figures
    started = next((r.reached for r in figures_all.rows if r.node == JOIN_NODE), 0)
    return render_template(
        "admin/analytics.html", figures=figures, labels=labels, names=names, kinds=kinds, totals=totals, days=days,
        lang=lang, network=network, networks=networks, network_names=network_names, periods=PERIODS,
        languages=LANGUAGES, start=start, end=end,
        live=live, stored=stored, version=definition.version, join_node=JOIN_NODE,
        enrolment=enrolment_line(start, end, started, ZoneInfo(current_app.config["TIMEZONE"])),
        chart=funnel_chart(bars, _("Sessions reaching each screen, %(start)s to %(end)s", start=f"{start:%d/%m}",
                                   end=f"{end:%d/%m/%Y}")),
        trend=daily_chart([(f"{day:%d/%m}", n) for day, n in sorted(figures.daily.items())],
                          _("Sessions per day, %(start)s to %(end)s", start=f"{start:%d/%m}", end=f"{end:%d/%m/%Y}"),
                          _("sessions")),
    )


def network_name(code: str) -> str:
    """What staff call a network: the operator's name, with its code; a code we do not know, said so."""
    name = operator_name(code)
    return f"{name} ({code})" if name else _("unknown network %(code)s", code=code)


def node_labels(definition: Definition) -> dict[str, dict[str, str]]:
    """What staff recognise a node by: the option that leads to it, else the start of its text."""
    labels: dict[str, dict[str, str]] = {}
    for node in definition.nodes.values():
        for option in getattr(node, "options", ()):
            labels.setdefault(option.to, dict(option.label))
    for node_id, node in definition.nodes.items():
        if node_id not in labels and node.text:
            labels[node_id] = {lang: _excerpt(text) for lang, text in node.text.items()}
    return labels


def _excerpt(text: str, limit: int = 40) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _tip(row: usage_stats.NodeRow, name: str) -> str:
    rate = f" ({row.invalid_rate:.0%})" if row.invalid_rate is not None else ""
    return _("%(name)s (%(node)s): %(reached)s reached, %(ended)s ended here, %(invalid)s of %(inputs)s keys "
             "refused%(rate)s", name=name, node=row.node, reached=f"{row.reached:,}", ended=f"{row.ended:,}",
             invalid=f"{row.invalid:,}", inputs=f"{row.inputs:,}", rate=rate)


@dataclass
class EnrolmentRow:
    province: str  # English name, as stored
    lo: str
    started: int | None  # None: not known per province (asked after the first question)
    completed: int = 0
    approved: int = 0
    paid: int = 0


def enrolment_line(start: date, end: date, started: int, zone: ZoneInfo) -> list[EnrolmentRow]:
    """Joining the voluntary scheme, per province (every province, in the list's order; then any other
    stored name), and a first row for all provinces. Completed: applications saved on the local
    days start..end, whatever their status; approved and paid: what became of those same ones since
    (paid: the member the approval made has at least one payment)."""
    since = datetime.combine(start, time(), zone).astimezone(timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time(), zone).astimezone(timezone.utc)
    approved = Application.status == ApplicationStatus.APPROVED.value
    has_paid = exists().where(Payment.member_id == Application.member_id)
    query = (select(Application.province, func.count(), func.sum(case((approved, 1), else_=0)),
                    func.sum(case((and_(approved, has_paid), 1), else_=0)))
             .where(Application.created_at >= since, Application.created_at < until)
             .group_by(Application.province))
    found: dict[str, tuple[int, int, int]] = {
        str(province): (int(n), int(ok or 0), int(paid or 0)) for province, n, ok, paid in db().execute(query)}
    rows = [EnrolmentRow(p.en, p.lo, None, *found.pop(p.en, (0, 0, 0))) for p in default_places().provinces]
    rows += [EnrolmentRow(name, "", None, *counts) for name, counts in sorted(found.items())]
    total = EnrolmentRow("All provinces", "ທຸກແຂວງ", started, sum(r.completed for r in rows),
                         sum(r.approved for r in rows), sum(r.paid for r in rows))
    return [total, *rows]
