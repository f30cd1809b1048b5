"""Builds the engine's ports from the app's clients, once per request where they hold a DB session."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import Flask, current_app

from ussd_app.benefits import Rules, load_rules
from ussd_app.core.clock import SystemClock
from ussd_app.core.extensions import clients, db, read_connection
from ussd_app.engine.ports import Clock, Limits, MemberView, Services
from ussd_app.members.pins import PinHasher
from ussd_app.members.repository import SqlMembers
from ussd_app.ussd.guards import RedisGuard, UssdGuards, ussd_policies


@dataclass
class AppServices:
    """What lives as long as the app: the hasher, the rules, the limits, the clock, the guards."""

    pins: PinHasher
    rules: Rules
    limits: Limits
    clock: Clock
    guards: UssdGuards

    def for_session(self, members: SqlMembers, clock: Clock | None = None) -> Services:
        return Services(members=members, pins=self.pins, guards=self.guards, clock=clock or self.clock,
                        limits=self.limits, extra={"rules": self.rules})


def init_app(app: Flask) -> None:
    cfg = app.config
    pepper = cfg["PIN_PEPPER"]
    if not pepper:
        if not cfg.get("TESTING"):
            raise RuntimeError("PIN_PEPPER must be set (a long random secret; see README)")
        pepper = secrets.token_hex(16)  # tests: PINs need only live as long as the app
    limits = Limits(pin_max_tries=cfg["PIN_MAX_TRIES"], pin_lock_minutes=cfg["PIN_LOCK_MINUTES"],
                    link_max_tries=cfg["LINK_MAX_TRIES"], link_lock_hours=cfg["LINK_LOCK_HOURS"],
                    pin_daily_max_tries=cfg["PIN_DAILY_MAX_TRIES"], pin_daily_lock_hours=cfg["PIN_DAILY_LOCK_HOURS"])
    pin_policy, link_policy = ussd_policies(limits)
    redis = clients(app).redis
    services = app.extensions["lsso_services"] = AppServices(
        pins=PinHasher(pepper),
        rules=load_rules(cfg["BENEFIT_RULES"]),
        limits=limits,
        clock=SystemClock(cfg["TIMEZONE"]),
        guards=None,  # type: ignore[arg-type]  # set below: they read the clock above, even a replaced one
    )

    def now() -> float:
        return services.clock.now().timestamp()

    services.guards = UssdGuards(pin=RedisGuard(redis, pin_policy, now), link=RedisGuard(redis, link_policy, now))


def app_services(app: Flask | None = None) -> AppServices:
    return (app or current_app).extensions["lsso_services"]


def request_services(known: list[MemberView] | None = None) -> Services:
    """The engine's ports for this request, reading members through the request's DB session.

    `known`: members already read earlier in the USSD session (not read again)."""
    return app_services().for_session(SqlMembers(db(), known, reads=read_connection()))
