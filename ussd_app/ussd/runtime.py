"""The Runtime: one object holding everything a hop (and the jobs, the console, the CLI) uses.

create_app builds it once from the settings and the clients and keeps it in the app; the
gateway hands it to `run_hop(runtime, hop)`, and nothing below the gateway looks anything up
for itself. One clock serves it all: tests give it a FixedClock and move that.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ussd_app.benefits import Rules, load_rules
from ussd_app.core.clock import SystemClock
from ussd_app.core.extensions import Clients, Unit
from ussd_app.dci.member_sharing import SqlSharing
from ussd_app.engine.actions import Actions
from ussd_app.engine.ports import Clock, Guards, Limits, Members, PhoneSettings, Pins, Services, Sharing
from ussd_app.enrolment.port import Enrolment
from ussd_app.enrolment.store import DuesPolicy, SqlEnrolment
from ussd_app.members.pins import PinHasher
from ussd_app.publishing.menu_store import MenuStore
from ussd_app.ussd.drops import DropPolicy
from ussd_app.ussd.guards import RedisGuard, UssdGuards, ussd_policies
from ussd_app.ussd.phone_settings import SqlPhoneSettings
from ussd_app.ussd.sessions import SessionStore

if TYPE_CHECKING:
    from flask import Flask

    from sms.service import SmsServices

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    clients: Clients  # Redis, the database, the job queue
    clock: Clock
    sessions: SessionStore
    menus: MenuStore
    actions: Actions  # what menu `action` nodes may call
    pins: PinHasher
    rules: Rules
    dues: DuesPolicy  # how a voluntary member's dues are reckoned
    limits: Limits
    guards: UssdGuards
    sms: SmsServices
    drops: DropPolicy  # the resume window and the networks' time limits
    history_key: bytes  # keys the digest of a session's inputs (they may hold a PIN)
    region: str  # how phone numbers without a country code are read
    config: Mapping[str, Any]  # the settings it was built from (read by the edges, not by hops)

    def services(self, members: Members, sharing: Sharing, enrolment: Enrolment, settings: PhoneSettings, *,
                 guards: Guards | None = None, pins: Pins | None = None) -> Services:
        """The engine's ports for one hop (or one simulated hop, with its own guards and pins)."""
        return Services(members=members, pins=pins or self.pins, guards=guards or self.guards, clock=self.clock,
                        limits=self.limits, extra={"rules": self.rules, "sharing": sharing, "enrolment": enrolment,
                                                   "phone_settings": settings})

    def services_on(self, unit: Unit, members: Members, *, guards: Guards | None = None) -> Services:
        """The engine's ports read from the database through `unit` (a hop, a drop, the console)."""
        return self.services(members, SqlSharing(unit, self.clock), SqlEnrolment(unit, self.clock, self.dues),
                             SqlPhoneSettings(unit), guards=guards)

    def warm_up(self) -> None:
        """What the first hops of a new process would otherwise wait for: the live menu parsed and
        checked, a database connection in each pool, the Redis scripts loaded. Best effort: a
        backend that is down now is the hops' business (they get the fault reply), not the start's."""
        try:
            self.menus.current()
            with self.clients.unit() as unit:
                unit.reads.exec_driver_sql("SELECT 1")
                unit.session.connection()
            self.sessions.load("warm-up", "")
        except Exception as exc:  # noqa: BLE001 - see above
            log.warning("warm-up incomplete (%s); the first hops will do it", type(exc).__name__)

    def digest(self, inputs: tuple[str, ...]) -> str:
        """Keyed hash of a session's inputs: it is stored in Redis, and the inputs may hold a PIN."""
        return hmac.new(self.history_key, "\x1f".join(inputs).encode(), hashlib.blake2s).hexdigest()[:32]


def limits_of(cfg: Mapping[str, Any]) -> Limits:
    return Limits(pin_max_tries=cfg["PIN_MAX_TRIES"], pin_lock_minutes=cfg["PIN_LOCK_MINUTES"],
                  link_max_tries=cfg["LINK_MAX_TRIES"], link_lock_hours=cfg["LINK_LOCK_HOURS"],
                  pin_daily_max_tries=cfg["PIN_DAILY_MAX_TRIES"], pin_daily_lock_hours=cfg["PIN_DAILY_LOCK_HOURS"])


def build_runtime(cfg: Mapping[str, Any], clients: Clients, menus: MenuStore, sms: SmsServices,
                  clock: Clock | None = None) -> Runtime:
    clock = clock or SystemClock(cfg["TIMEZONE"])
    limits = limits_of(cfg)
    pin_policy, link_policy = ussd_policies(limits)
    rules = load_rules(cfg["BENEFIT_RULES"])

    def now() -> float:
        return clock.now().timestamp()

    return Runtime(
        clients=clients,
        clock=clock,
        sessions=SessionStore(clients.redis, cfg["USSD_SESSION_TTL"]),
        menus=menus,
        actions=menus.actions,
        pins=PinHasher(cfg["PIN_PEPPER"]),
        rules=rules,
        dues=dues_policy(cfg, rules),
        limits=limits,
        guards=UssdGuards(pin=RedisGuard(clients.redis, pin_policy, now),
                          link=RedisGuard(clients.redis, link_policy, now)),
        sms=sms,
        drops=DropPolicy.from_config(cfg),
        history_key=hmac.new(cfg["SECRET_KEY"].encode(), b"ussd-history", hashlib.sha256).digest(),
        region=cfg["DEFAULT_REGION"],
        config=cfg,
    )


def dues_policy(cfg: Mapping[str, Any], rules: Rules) -> DuesPolicy:
    from sms.reminders import Calendar

    return DuesPolicy(rates=rules.schemes["voluntary"],
                      calendar=Calendar(cfg["REMINDER_DUE_DAY"], cfg["REMINDER_DAYS_BEFORE"]),
                      arrears_months=cfg["VOLUNTARY_ARREARS_MONTHS"], ahead_months=cfg["VOLUNTARY_PAY_AHEAD_MONTHS"])


def runtime_of(app: Flask | None = None) -> Runtime:
    """The app's Runtime: for blueprints and CLI commands, which then pass it down."""
    if app is None:
        from flask import current_app

        app = current_app
    found: Runtime = app.extensions["lsso_runtime"]
    return found

