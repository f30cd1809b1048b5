"""Joining the voluntary scheme by phone: the checks along the way, the lists to choose from,
the summary and the application itself."""

from __future__ import annotations

from datetime import date
from typing import Any

from ussd_app.benefits.eligibility import age_on
from ussd_app.benefits.rules import SchemeRates
from ussd_app.engine.actions import ActionResult, action
from ussd_app.engine.context import Ctx
from ussd_app.engine.effects import ApplicationSubmitted, SmsRequested
from ussd_app.engine.nodes.pick import Choice
from ussd_app.engine.text import Day, Money
from ussd_app.enrolment.occupations import OCCUPATIONS
from ussd_app.enrolment.places import default_places
from ussd_app.enrolment.port import Enrolment
from ussd_app.enrolment.references import application_reference

ENTRY_AGE = (15, 60)  # youngest and oldest age at which one may join (Law No. 54/NA (2018))
ID_KINDS = {"national_id": {"lo": "ບັດ", "en": "ID card"}, "family_book": {"lo": "ສຳມະໂນຄົວ", "en": "Family book"}}
SEX = {"M": {"lo": "ຊາຍ", "en": "male"}, "F": {"lo": "ຍິງ", "en": "female"}}
STATUS = {"open": {"lo": "ລໍຖ້າກວດເອກະສານ", "en": "waiting for your documents"},
          "approved": {"lo": "ອະນຸມັດແລ້ວ", "en": "approved"},
          "rejected": {"lo": "ບໍ່ອະນຸມັດ", "en": "not approved"}}


def enrolment(ctx: Ctx) -> Enrolment:
    port: Enrolment = ctx.services.extra["enrolment"]
    return port


def voluntary(ctx: Ctx) -> SchemeRates:
    rates: SchemeRates = ctx.services.extra["rules"].schemes["voluntary"]
    return rates


@action("join_start", outcomes=("ok", "has_application", "linked"), samples={"reference": "50001234"})
def join_start(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    """A phone joins once: not while its application is open, nor once it is a member's."""
    if ctx.member() is not None:
        return ActionResult("linked")
    latest = enrolment(ctx).latest_application(ctx.state.phone)
    if latest is not None and latest.status == "open":
        return ActionResult("has_application", values={"reference": latest.reference})
    return ActionResult()


@action("join_id_check", outcomes=("ok", "member", "has_application"))
def join_id_check(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    data = ctx.state.data
    kind, number = str(data.get("id_kind", "")), str(data.get("id_number", ""))
    port = enrolment(ctx)
    if kind == "national_id" and port.member_has_national_id(number):
        return ActionResult("member", data={"id_number": None})
    if port.open_application_for(kind, number) is not None:
        # Not its reference: whoever types an ID learns no more than that it is being dealt with.
        return ActionResult("has_application", data={"id_number": None})
    return ActionResult()


@action("join_age_check", outcomes=("ok", "too_young", "too_old"),
        samples={"youngest": ENTRY_AGE[0], "oldest": ENTRY_AGE[1]})
def join_age_check(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    age = age_on(date.fromisoformat(str(ctx.state.data["dob"])), ctx.today)
    values = {"youngest": ENTRY_AGE[0], "oldest": ENTRY_AGE[1]}
    if age < ENTRY_AGE[0]:
        return ActionResult("too_young", values=values, data={"dob": None})
    if age > ENTRY_AGE[1]:
        return ActionResult("too_old", values=values, data={"dob": None})
    return ActionResult(values=values)


def _place_choices(places: Any) -> list[Choice]:
    return [Choice(p.en, {"lo": p.lo, "en": p.en}) for p in places]


@action("provinces", samples=lambda args: {"choices": _place_choices(default_places().provinces)})
def provinces(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    return ActionResult(values={"choices": _place_choices(default_places().provinces)})


def _longest_province() -> Any:
    return max(default_places().provinces, key=lambda p: len(p.districts))


@action("districts", samples=lambda args: {"choices": _place_choices(_longest_province().districts)})
def districts(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    province = default_places().province(str(ctx.state.data.get(args.get("of", "province"), "")))
    return ActionResult(values={"choices": _place_choices(province.districts if province else ())})


def band_choices(rates: SchemeRates) -> list[Choice]:
    # English stays in GSM-7 (182 characters a screen): no arrow there.
    return [Choice(str(income), {"lo": f"{income:,} → {rates.contribution_for(income):,}",
                                 "en": f"{income:,}: pay {rates.contribution_for(income):,}"})
            for income in rates.income_bands()]


def _sample_bands(args: dict[str, Any]) -> dict[str, Any]:
    from ussd_app.benefits import load_rules
    from ussd_app.benefits.rules import DEFAULT_RULES_PATH

    rates = load_rules(DEFAULT_RULES_PATH).schemes["voluntary"]
    return {"choices": band_choices(rates), "rate": f"{rates.rate_pct:g}%"}


@action("income_bands", samples=_sample_bands)
def income_bands(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    rates = voluntary(ctx)
    return ActionResult(values={"choices": band_choices(rates), "rate": f"{rates.rate_pct:g}%"})


def _occupation_choices() -> list[Choice]:
    return [Choice(code, label) for code, label in OCCUPATIONS.items()]


@action("occupations", samples=lambda args: {"choices": _occupation_choices()})
def occupations(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    return ActionResult(values={"choices": _occupation_choices()})


def _summary_values(ctx: Ctx) -> dict[str, Any]:
    data, places = ctx.state.data, default_places()
    province = places.province(str(data.get("province")))
    district = places.district(str(data.get("province")), str(data.get("district")))
    income = int(data.get("income", 0))
    return {
        "name": data.get("full_name") or {"lo": "(ບໍ່ມີຊື່)", "en": "(no name)"},
        "id_kind": ID_KINDS.get(str(data.get("id_kind")), {"lo": "", "en": ""}),
        "id_number": data.get("id_number", ""),
        "born": Day(date.fromisoformat(str(data["dob"]))),
        "sex": SEX.get(str(data.get("sex")), {"lo": "", "en": ""}),
        "place": {lang: f"{district.name(lang) if district else ''}, {province.name(lang) if province else ''}"
                  for lang in ("lo", "en")},
        "occupation": OCCUPATIONS.get(str(data.get("occupation")), {"lo": "", "en": ""}),
        "income": Money(income),
        "contribution": Money(voluntary(ctx).contribution_for(income)),
    }


_SUMMARY_SAMPLES = {"name": "Somchai Phommavong", "id_kind": ID_KINDS["family_book"], "id_number": "123456789012",
                    "born": Day(date(1990, 12, 25)), "sex": SEX["F"],
                    "place": {"lo": "ໄກສອນ ພົມວິຫານ, ສະຫວັນນະເຂດ", "en": "Kaysone Phomvihane, Savannakhet"},
                    "occupation": {"lo": "ຄ້າຂາຍ", "en": "Trader"}, "income": Money(4_500_000),
                    "contribution": Money(405_000)}


@action("join_summary", samples=_SUMMARY_SAMPLES)
def join_summary(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    return ActionResult(values=_summary_values(ctx))


@action("join_submit", outcomes=("ok", "has_application"), readonly=False,
        samples={"reference": "50001234", "province": {"lo": "ສະຫວັນນະເຂດ", "en": "Savannakhet"}})
def join_submit(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    data, phone, port = ctx.state.data, ctx.state.phone, enrolment(ctx)
    latest = port.latest_application(phone)
    if latest is not None and latest.status == "open":  # sent from another session meanwhile
        return ActionResult("has_application", values={"reference": latest.reference})
    reference = application_reference(port.reserve_number(ctx.state.session_id))
    province = default_places().province(str(data["province"]))
    where = {"lo": province.lo, "en": province.en} if province else {"lo": "", "en": ""}
    submitted = ApplicationSubmitted(
        session_id=ctx.state.session_id, reference=reference, phone=phone, language=ctx.lang,
        id_kind=str(data["id_kind"]), id_number=str(data["id_number"]), date_of_birth=str(data["dob"]),
        sex=str(data["sex"]), province=str(data["province"]), district=str(data["district"]),
        occupation=str(data["occupation"]), income_lak=int(data["income"]), full_name=data.get("full_name") or None)
    sms = SmsRequested("application_received", phone, None, ctx.lang, {"reference": reference, "province": where})
    forget = {key: None for key in ("id_kind", "id_number", "dob", "sex", "province", "district", "occupation",
                                    "income", "full_name")}
    return ActionResult(values={"reference": reference, "province": where}, effects=[submitted, sms], data=forget)


NEXT_STEP = {"open": {"lo": "ເອົາບັດ ຫຼື ສຳມະໂນຄົວ ແລະ ຮູບ ໄປຫ້ອງການ ປກສ", "en": "Bring your ID or family book and a "
                                                                          "photo to an LSSO office"},
             "approved": {"lo": "ໂທອີກຄັ້ງເພື່ອຕັ້ງ PIN", "en": "Dial again to set your PIN"}}


@action("application_status", outcomes=("ok", "none"),
        samples={"reference": "50001234", "status": STATUS["open"], "since": Day(date(2026, 12, 31)),
                 "detail": NEXT_STEP["open"]})
def application_status(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    latest = enrolment(ctx).latest_application(ctx.state.phone)
    if latest is None:
        return ActionResult("none")
    detail: Any = NEXT_STEP.get(latest.status) or latest.reason or ""
    values = {"reference": latest.reference, "status": STATUS.get(latest.status, STATUS["open"]),
              "since": Day(latest.created_on), "detail": detail}
    return ActionResult(values=values)
