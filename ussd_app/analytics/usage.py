"""The usage figures per node, kept for good: Redis counts each day live (`keys.USSD_STATS`, 40 days),
the nightly roll-up copies a finished day into `usage_days`, and the funnel reads both.

    hop -> HINCRBY ussd:stats:{day} -> rollup(day) -> usage_days -> funnel(start, end)
                                 \\______________ days not rolled up yet ______/
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import redis
from sqlalchemy import Date, Integer, String, UniqueConstraint, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from ussd_app.analytics.session_events import UssdSessionEvent
from ussd_app.core import keys
from ussd_app.core.database import Base

# Redis field prefix -> column
METRICS = {"reach": "reached", "inputs": "inputs", "invalid": "invalid", "dropped": "dropped", "resumed": "resumed"}
Key = tuple[str, str, str]  # (lang, network, node)


class UsageDay(Base):
    """One local (Asia/Vientiane) day's figures for one node, language and network."""

    __tablename__ = "usage_days"
    __table_args__ = (UniqueConstraint("day", "lang", "network", "node"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    lang: Mapped[str] = mapped_column(String(2))
    network: Mapped[str] = mapped_column(String(20))
    node: Mapped[str] = mapped_column(String(100))
    reached: Mapped[int] = mapped_column(Integer, default=0)  # sessions that reached the node
    inputs: Mapped[int] = mapped_column(Integer, default=0)  # keys typed at its screen
    invalid: Mapped[int] = mapped_column(Integer, default=0)  # of those, refused
    dropped: Mapped[int] = mapped_column(Integer, default=0)  # sessions that dropped here (notice or timeout)
    resumed: Mapped[int] = mapped_column(Integer, default=0)  # of those, taken up again on a redial


@dataclass
class NodeRow:
    node: str
    reached: int = 0
    ended: int = 0  # sessions AT reported as not successful while they stood here
    inputs: int = 0
    invalid: int = 0
    dropped: int = 0
    resumed: int = 0

    @property
    def invalid_rate(self) -> float | None:
        return self.invalid / self.inputs if self.inputs else None


@dataclass
class Funnel:
    rows: list[NodeRow]
    languages: list[str]
    networks: list[str]
    sources: dict[date, str] = field(default_factory=dict)  # day -> "database" | "redis" | "none"
    daily: dict[date, int] = field(default_factory=dict)  # day -> sessions reaching `daily_node` (the trend)
    drops: dict[tuple[str, str], Drops] = field(default_factory=dict)  # (node, network) -> its drops


@dataclass
class Drops:
    dropped: int = 0
    resumed: int = 0

    @property
    def resumed_share(self) -> float | None:
        return self.resumed / self.dropped if self.dropped else None


def read_day(client: redis.Redis, day: date) -> dict[Key, dict[str, int]]:
    """One day's Redis hash as {(lang, network, node): {column: n}}."""
    return _parse(client.hgetall(keys.USSD_STATS.format(day=day.isoformat())))


def rollup(session: Session, client: redis.Redis, day: date) -> int:
    """Copy `day` from Redis into usage_days, replacing what an earlier run copied; commits.

    A day whose hash is gone (expired, Redis lost) leaves the database as it is: the copy there
    may be the only one left. Returns the number of rows written."""
    figures = read_day(client, day)
    if not figures:
        return 0
    rows = [{"day": day, "lang": lang, "network": net, "node": node,
             **{column: counts.get(column, 0) for column in METRICS.values()}}
            for (lang, net, node), counts in figures.items()]
    for attempt in range(2):
        try:
            # Replace in one transaction: a re-run, or a run after a late hop, never adds twice.
            session.execute(delete(UsageDay).where(UsageDay.day == day))
            session.execute(insert(UsageDay), rows)
            session.commit()
            return len(rows)
        except IntegrityError:
            session.rollback()  # another run of the same day committed first: replace its rows
            if attempt:
                raise
    return 0


def pending_days(session: Session, client: redis.Redis, today: date, back: int = 39) -> list[date]:
    """Finished days still in Redis that were never rolled up (a night the job did not run)."""
    days = [today - timedelta(days=n) for n in range(1, back + 1)]
    pipe = client.pipeline(transaction=False)
    for day in days:
        pipe.exists(keys.USSD_STATS.format(day=day.isoformat()))
    in_redis = {day for day, found in zip(days, pipe.execute(), strict=True) if found}
    done = set(session.execute(select(UsageDay.day).where(UsageDay.day.in_(in_redis)).distinct()).scalars())
    return sorted(in_redis - done)


def funnel(session: Session, client: redis.Redis, start: date, end: date, lang: str | None = None,
           network: str | None = None, order: list[str] | tuple[str, ...] = (), tz: str = "Asia/Vientiane",
           daily_node: str | None = None) -> Funnel:
    """Per-node figures for the local days start..end: rolled-up days from the database, the
    others (today, or a night the roll-up did not run) from Redis. `order`: the nodes to list
    first, zeros included (the menu's order); other nodes seen follow, by name. `daily_node`
    (the start node: every session reaches it): its figure day by day, for the trend."""
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    totals: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sources = dict.fromkeys(days, "none")
    daily = dict.fromkeys(days, 0)

    def count_day(day: date, key: Key, reached: int) -> None:
        if key[2] == daily_node and not (lang and key[0] != lang) and not (network and key[1] != network):
            daily[day] += reached

    columns = list(METRICS.values())
    stored = session.execute(select(UsageDay.day, UsageDay.lang, UsageDay.network, UsageDay.node,
                                    *(getattr(UsageDay, c) for c in columns)).where(UsageDay.day.between(start, end)))
    for day, row_lang, net, node, *values in stored:
        sources[day] = "database"
        counts = totals[(row_lang, net, node)]
        count_day(day, (row_lang, net, node), values[0])
        for column, n in zip(columns, values, strict=True):
            counts[column] += n or 0
    live = [day for day in days if sources[day] == "none"]
    pipe = client.pipeline(transaction=False)
    for day in live:
        pipe.hgetall(keys.USSD_STATS.format(day=day.isoformat()))
    for day, raw in zip(live, pipe.execute() if live else [], strict=True):
        for key, counts in _parse(raw).items():
            sources[day] = "redis"
            count_day(day, key, counts.get("reached", 0))
            for column, n in counts.items():
                totals[key][column] += n
    ended = _ended(session, start, end, ZoneInfo(tz))
    seen = set(totals) | set(ended)
    rows = {node: NodeRow(node) for node in order}
    drops: dict[tuple[str, str], Drops] = {}
    for key in seen:
        if (lang and key[0] != lang) or (network and key[1] != network):
            continue
        row = rows.setdefault(key[2], NodeRow(key[2]))
        counts = totals.get(key, {})
        row.reached += counts.get("reached", 0)
        row.inputs += counts.get("inputs", 0)
        row.invalid += counts.get("invalid", 0)
        row.dropped += counts.get("dropped", 0)
        row.resumed += counts.get("resumed", 0)
        row.ended += ended.get(key, 0)
        if counts.get("dropped") or counts.get("resumed"):
            where = drops.setdefault((key[2], key[1]), Drops())
            where.dropped += counts.get("dropped", 0)
            where.resumed += counts.get("resumed", 0)
    known = set(order)
    listed = [rows[n] for n in order] + sorted((r for n, r in rows.items() if n not in known), key=lambda r: r.node)
    return Funnel(rows=listed, languages=sorted({k[0] for k in seen if k[0]}),
                  networks=sorted({k[1] for k in seen if k[1] and k[1] != "-"}), sources=sources, daily=daily,
                  drops=dict(sorted(drops.items(), key=lambda item: (-item[1].dropped, item[0]))))


def _ended(session: Session, start: date, end: date, zone: ZoneInfo) -> dict[Key, int]:
    """AT's notices of sessions that did not end well (timeout, Incomplete, Failed), per node."""
    # received_at is UTC; the days are local: the window runs from local midnight to local midnight.
    since = datetime.combine(start, time(), zone).astimezone(ZoneInfo("UTC"))
    until = datetime.combine(end + timedelta(days=1), time(), zone).astimezone(ZoneInfo("UTC"))
    ev = UssdSessionEvent
    query = (select(ev.language, ev.network_code, ev.last_node, func.count())
             .where(ev.received_at >= since, ev.received_at < until, func.lower(ev.status) != "success")
             .group_by(ev.language, ev.network_code, ev.last_node))
    return {(lang, net or "-", node): n for lang, net, node, n in session.execute(query)}


def _parse(raw: dict[bytes, bytes]) -> dict[Key, dict[str, int]]:
    figures: dict[Key, dict[str, int]] = defaultdict(dict)
    for name, value in raw.items():
        parts = (name.decode() if isinstance(name, bytes) else name).split("|", 3)
        if len(parts) != 4 or parts[0] not in METRICS:
            continue  # a field this version does not know: left for whoever wrote it
        metric, lang, net, node = parts
        figures[(lang, net, node)][METRICS[metric]] = int(value)
    return dict(figures)
