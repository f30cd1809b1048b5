"""Analytics: where members go in the menu, where they give up, and which screens they mistype on.

Read from the usage figures (`ussd_app.analytics.usage`): days rolled up into the database, the
others (today) live from Redis; nodes in the order and with the labels of the live menu.
"""

from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from ussd_app.admin import bp
from ussd_app.admin.auth import requires
from ussd_app.admin.models import Role
from ussd_app.admin.svg_charts import Bar, funnel_chart
from ussd_app.analytics import usage as usage_stats
from ussd_app.core.extensions import db, redis_client
from ussd_app.engine.model import Definition
from ussd_app.ussd.runtime import runtime_of

PERIODS = (7, 30)
LANGUAGES = ("lo", "en")
NETWORK = re.compile(r"^[0-9A-Za-z-]{1,20}$")


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
                                 order=list(definition.nodes), tz=current_app.config["TIMEZONE"])
    labels = node_labels(definition)
    kinds = {node_id: node.TYPE for node_id, node in definition.nodes.items()}
    bars = [Bar(label=row.node or "(unknown)", value=row.reached, part=row.ended, rate=row.invalid_rate,
                tip=_tip(row, labels.get(row.node, {}))) for row in figures.rows]
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
    return render_template(
        "admin/analytics.html", figures=figures, labels=labels, kinds=kinds, totals=totals, days=days, lang=lang,
        network=network, networks=networks, periods=PERIODS, languages=LANGUAGES, start=start, end=end,
        live=live, stored=stored, version=definition.version,
        chart=funnel_chart(bars, f"Sessions reaching each node, {start:%d %b} to {end:%d %b %Y}"),
    )


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


def _tip(row: usage_stats.NodeRow, label: dict[str, str]) -> str:
    name = f"{row.node} ({label['en']})" if label.get("en") else row.node
    rate = f" ({row.invalid_rate:.0%})" if row.invalid_rate is not None else ""
    return (f"{name}: {row.reached:,} reached, {row.ended:,} ended here, "
            f"{row.invalid:,} of {row.inputs:,} keys refused{rate}")
