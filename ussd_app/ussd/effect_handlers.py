"""Applies the engine's effects: database writes in one transaction, guards' counters in Redis.

Each effect type has one handler, registered in HANDLERS; a new effect (e.g. an SMS) adds one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import redis
from sqlalchemy.orm import Session

from sms import outbox
from sms.service import SmsServices
from ussd_app.core import keys
from ussd_app.core.database import utcnow
from ussd_app.dci import member_sharing
from ussd_app.engine import effects as fx
from ussd_app.enrolment import applications
from ussd_app.events import bus
from ussd_app.events.models import EventKind
from ussd_app.members.repository import SqlMembers
from ussd_app.text.phones import mask
from ussd_app.ussd.guards import UssdGuards
from ussd_app.ussd.phone_settings import choose_answers_by_sms

log = logging.getLogger(__name__)

GUEST_LANGUAGE_DAYS = 365


@dataclass
class Sinks:
    members: SqlMembers
    guards: UssdGuards
    redis: redis.Redis
    session: Session
    sms: SmsServices
    session_id: str  # the USSD session the effects come from
    after_commit: list[Callable[[], None]] = field(default_factory=list)


E = TypeVar("E", bound=fx.Effect)
Handler = Callable[[Any, Sinks], None]  # takes the effect type it is registered for
HANDLERS: dict[type[fx.Effect], Handler] = {}


def handles(effect_type: type[E]) -> Callable[[Callable[[E, Sinks], None]], Callable[[E, Sinks], None]]:
    def register(fn: Callable[[E, Sinks], None]) -> Callable[[E, Sinks], None]:
        HANDLERS[effect_type] = fn
        return fn

    return register


def apply_effects(effects: list[fx.Effect], sinks: Sinks) -> None:
    for effect in effects:
        HANDLERS[type(effect)](effect, sinks)
    sinks.session.commit()
    for then in sinks.after_commit:
        then()


@handles(fx.LanguageChosen)
def _language(e: fx.LanguageChosen, s: Sinks) -> None:
    if e.member:
        s.members.set_language(e.member, e.language)
    else:
        s.redis.set(keys.GUEST_LANGUAGE.format(phone=e.phone), e.language, ex=GUEST_LANGUAGE_DAYS * 86400)


@handles(fx.PhoneLinked)
def _linked(e: fx.PhoneLinked, s: Sinks) -> None:
    s.members.link_phone(e.member, e.phone, e.pin_hash)
    bus.emit(s.session, EventKind.PHONE_LINKED, s.members.member_id(e.member))
    log.info("phone %s linked to a member", mask(e.phone))


@handles(fx.ConsentAnswered)
def _consent(e: fx.ConsentAnswered, s: Sinks) -> None:
    member_sharing.answer(s.session, e.member, e.partner_id, e.given, utcnow())
    log.info("a member %s consent to partner %s", "gave" if e.given else "withheld", e.partner_id)


@handles(fx.ApplicationSubmitted)
def _applied(e: fx.ApplicationSubmitted, s: Sinks) -> None:
    applications.save(s.session, e)
    log.info("application %s sent from %s", e.reference, mask(e.phone))


@handles(fx.IncomeDeclared)
def _income(e: fx.IncomeDeclared, s: Sinks) -> None:
    member_id = s.members.member_id(e.member)
    if member_id is not None:
        applications.declare_income(s.session, member_id, e.from_period, e.income_lak, source="ussd")


@handles(fx.AnswersBySmsChosen)
def _answers_by_sms(e: fx.AnswersBySmsChosen, s: Sinks) -> None:
    choose_answers_by_sms(s.session, e.phone, e.enabled)


@handles(fx.PinChanged)
def _pin_changed(e: fx.PinChanged, s: Sinks) -> None:
    s.members.set_pin(e.member, e.pin_hash)
    s.guards.settle([e])


@handles(fx.PinLocked)
def _pin_locked(e: fx.PinLocked, s: Sinks) -> None:
    # The guard itself already refuses further tries; this is the record, and the next lock grows.
    s.members.lock_pin(e.member, e.until)
    s.guards.settle([e])
    log.warning("PIN-protected options locked until %s after repeated wrong PINs", e.until.isoformat())


@handles(fx.LinkAttemptFailed)
def _link_failed(e: fx.LinkAttemptFailed, s: Sinks) -> None:
    if e.blocked:
        log.warning("phone linking blocked for %s after repeated failed tries", mask(e.phone))


@handles(fx.SmsRequested)
def _sms(e: fx.SmsRequested, s: Sinks) -> None:
    sms = s.sms
    member_id = s.members.member_id(e.member) if e.member else None
    # One SMS of a kind per USSD session: a replayed or repeated request does not send it twice.
    key = f"{e.kind}:{s.session_id}"
    message = outbox.add(s.session, sms.templates, recipient=e.phone, kind=e.kind, language=e.language,
                         values=e.values, key=key, member_id=member_id)
    if message is not None:
        message_id = message.id
        s.after_commit.append(lambda: sms.enqueue([message_id]))
