"""The benefit rules of issue 11, hold-out style: the lump sum at pension age, the civil-servant pension (reduced
from 276 months, men from 57) and the voluntary scheme's declared incomes.

Every expected number is derived here from the figures in the shipped rules (the thresholds, ages, rate and
incomes), by arithmetic of its own, and checked on both sides of each threshold, for men and women, in Lao and
English. Only the figures the issue states outright (225,000 kip, 276 and 300 months, ages 57 and 55) are
also written out, to catch the data drifting from them.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_benefits import assert_refused
from ussd_app.actions.eligibility import LUMP_SUM_NOTE, overview_lines
from ussd_app.actions.schemes import scheme_values, voluntary_scheme_info
from ussd_app.benefits import (
    DEFAULT_RULES_PATH,
    BenefitResult,
    Rules,
    evaluate,
    explain,
    load_rules,
    parse_rules,
)
from ussd_app.engine.text import Money

TODAY = date(2026, 6, 15)
LINE = {"lo": 38, "en": 40}  # one USSD line: UCS-2 code units for Lao, characters for English (GSM-7)


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(DEFAULT_RULES_PATH)


def width(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def months(count: int) -> list[str]:
    """`count` consecutive periods ending this month."""
    first = TODAY.year * 12 + TODAY.month - 1 - count + 1
    return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, first + count)]


def birth_for(age: int, *, day_before: bool = False) -> date:
    """Born so as to turn `age` today, or (day_before) tomorrow: still `age - 1` today."""
    birthday = date(TODAY.year - age, TODAY.month, TODAY.day)
    return birthday + timedelta(days=1) if day_before else birthday


def result(rules: Rules, code: str, *, sex: str, scheme: str, paid: int, age: int,
           day_before: bool = False) -> BenefitResult:
    results = evaluate(rules, sex=sex, date_of_birth=birth_for(age, day_before=day_before), scheme=scheme,
                       periods=months(paid), today=TODAY)
    return next(r for r in results if r.code == code)


def lines(found: BenefitResult) -> dict[str, str]:
    out = {lang: explain(found, lang) for lang in ("lo", "en")}
    assert width(out["lo"]) <= LINE["lo"], out["lo"]
    assert out["en"].isascii() and len(out["en"]) <= LINE["en"], out["en"]
    return out


def lump_sum_line(name: dict[str, str], n: int, lang: str) -> str:
    """What the lump-sum answer must read: the plainest wording that fits one USSD line."""
    unit = "month" if n == 1 else "months"
    wordings = {
        "lo": [f"{name['lo']}: ເງິນກ້ອນ ຫຼື ຈ່າຍອີກ {n} ເດືອນ", f"{name['lo']}: ເງິນກ້ອນ ຫຼື +{n} ເດືອນ",
               f"{name['lo']}: ເງິນກ້ອນ ຫຼື {n} ເດືອນ"],
        "en": [f"{name['en']}: lump sum or {n} more {unit}", f"{name['en']}: lump sum or +{n} {unit}"],
    }[lang]
    return next(w for w in wordings if width(w) <= LINE[lang])


def cut_for(paid: int, full: int, pct_per_year: float) -> float:
    """1% (pct_per_year) for each year, or part of a year, short of the full months."""
    years_short = (full - paid + 11) // 12
    return years_short * pct_per_year


# --- the lump sum: enterprise and voluntary members at pension age ----------------------------------------------

PENSION_SCHEMES = [("enterprise", "M"), ("enterprise", "F"), ("voluntary", "M"), ("voluntary", "F")]


@pytest.mark.parametrize(("scheme", "sex"), PENSION_SCHEMES)
def test_at_pension_age_with_enough_months_the_pension_is_due(rules: Rules, scheme: str, sex: str) -> None:
    rule = rules.benefit("old_age")
    assert rule.min_age is not None
    found = result(rules, "old_age", sex=sex, scheme=scheme, paid=rule.min_months, age=rule.min_age[sex])
    assert found.eligible and not found.lump_sum and found.reduced_pct is None
    assert lines(found) == {"lo": f"{rule.name['lo']}: ມີສິດ", "en": f"{rule.name['en']}: eligible"}


@pytest.mark.parametrize(("scheme", "sex"), PENSION_SCHEMES)
def test_one_month_short_at_pension_age_offers_the_lump_sum_or_one_more_month(rules: Rules, scheme: str,
                                                                              sex: str) -> None:
    rule = rules.benefit("old_age")
    assert rule.min_age is not None
    found = result(rules, "old_age", sex=sex, scheme=scheme, paid=rule.min_months - 1, age=rule.min_age[sex])
    assert not found.eligible and found.lump_sum
    assert (found.missing_months, found.pension_months_missing, found.from_age) == (1, 1, None)
    assert rule.lump_sum is not None and found.confidence == rule.lump_sum.confidence
    assert lines(found) == {lang: lump_sum_line(rule.name, 1, lang) for lang in ("lo", "en")}


@pytest.mark.parametrize(("scheme", "sex"), PENSION_SCHEMES)
def test_a_day_before_pension_age_there_is_no_lump_sum_yet(rules: Rules, scheme: str, sex: str) -> None:
    rule = rules.benefit("old_age")
    assert rule.min_age is not None
    age = rule.min_age[sex]
    enough = result(rules, "old_age", sex=sex, scheme=scheme, paid=rule.min_months, age=age, day_before=True)
    assert (enough.eligible, enough.lump_sum, enough.from_age) == (False, False, age)
    assert lines(enough) == {"lo": f"{rule.name['lo']}: ເມື່ອອາຍຸ {age} ປີ", "en": f"{rule.name['en']}: from age {age}"}
    short = result(rules, "old_age", sex=sex, scheme=scheme, paid=rule.min_months - 1, age=age, day_before=True)
    assert (short.eligible, short.lump_sum, short.missing_months, short.from_age) == (False, False, 1, age)
    assert lines(short) == {"lo": f"{rule.name['lo']}: ຂາດ 1 ເດືອນ, ອາຍຸ {age}",
                            "en": f"{rule.name['en']}: 1 more month, age {age}"}


def test_a_man_of_60_with_150_months_is_told_lump_sum_now_or_30_more_months(rules: Rules) -> None:
    rule = rules.benefit("old_age")
    assert rule.min_age is not None and rule.min_age["M"] == 60 and rule.min_months == 180  # the case
    found = result(rules, "old_age", sex="M", scheme="enterprise", paid=150, age=60)
    n = rule.min_months - 150
    assert found.lump_sum and found.pension_months_missing == n
    assert lines(found) == {"lo": f"ບໍານານ: ເງິນກ້ອນ ຫຼື ຈ່າຍອີກ {n} ເດືອນ", "en": f"Old-age pension: lump sum or +{n} months"}
    assert lines(found) == {lang: lump_sum_line(rule.name, n, lang) for lang in ("lo", "en")}


@pytest.mark.parametrize("sex", ["M", "F"])
def test_past_pension_age_with_no_months_at_all_the_line_still_fits(rules: Rules, sex: str) -> None:
    rule = rules.benefit("old_age")
    assert rule.min_age is not None
    found = result(rules, "old_age", sex=sex, scheme="voluntary", paid=0, age=rule.min_age[sex] + 5)
    assert found.lump_sum and found.pension_months_missing == rule.min_months
    assert lines(found) == {lang: lump_sum_line(rule.name, rule.min_months, lang) for lang in ("lo", "en")}


def test_benefits_without_a_lump_sum_keep_saying_months(rules: Rules) -> None:
    survivors = rules.benefit("survivors")
    assert survivors.lump_sum is None
    found = result(rules, "survivors", sex="M", scheme="enterprise", paid=survivors.min_months - 1, age=70)
    assert not found.lump_sum
    assert explain(found, "en") == f"{survivors.name['en']}: 1 more month"


# --- civil servants: full pension at 300 months, reduced from 276, men from 57 and women from 55 -----------------

def public_rule(rules: Rules) -> tuple[Any, int, int, float]:
    rule = rules.benefit("old_age_public")
    assert rule.reduced is not None and rule.lump_sum is not None and rule.min_age is not None
    assert (rule.min_months, rule.reduced.min_months, rule.min_age) == (300, 276, {"M": 57, "F": 55})
    return rule, rule.min_months, rule.reduced.min_months, rule.reduced.pct_per_year


@pytest.mark.parametrize("sex", ["M", "F"])
@pytest.mark.parametrize("offset", [0, 1])  # at the full months, and one month over
def test_civil_servant_at_pension_age_with_full_months_gets_the_full_pension(rules: Rules, sex: str,
                                                                             offset: int) -> None:
    rule, full, _, _ = public_rule(rules)
    found = result(rules, "old_age_public", sex=sex, scheme="public", paid=full + offset, age=rule.min_age[sex])
    assert found.eligible and found.reduced_pct is None and not found.lump_sum
    assert lines(found) == {"lo": f"{rule.name['lo']}: ມີສິດ", "en": f"{rule.name['en']}: eligible"}


@pytest.mark.parametrize("sex", ["M", "F"])
@pytest.mark.parametrize("short_by", [1, 11, 12, 13, 24])  # 299, 289, 288, 287 and 276 months
def test_civil_servant_between_276_and_299_months_gets_a_reduced_pension(rules: Rules, sex: str,
                                                                         short_by: int) -> None:
    rule, full, reduced_from, pct = public_rule(rules)
    paid = full - short_by
    assert paid >= reduced_from
    found = result(rules, "old_age_public", sex=sex, scheme="public", paid=paid, age=rule.min_age[sex])
    cut = cut_for(paid, full, pct)
    assert found.eligible and not found.lump_sum
    assert found.reduced_pct == cut and found.missing_months == short_by
    assert found.confidence == rule.reduced.confidence
    assert lines(found) == {"lo": f"{rule.name['lo']}: ມີສິດ, ຫຼຸດ {cut:g}%",
                            "en": f"{rule.name['en']}: eligible, reduced {cut:g}%"}


def test_the_cut_is_one_percent_a_year_short_counting_part_of_a_year_as_a_year(rules: Rules) -> None:
    rule, full, reduced_from, pct = public_rule(rules)
    assert pct == 1
    cuts = {paid: result(rules, "old_age_public", sex="M", scheme="public", paid=paid, age=60).reduced_pct
            for paid in (299, 288, 287, reduced_from)}
    assert cuts == {299: 1, 288: 1, 287: 2, 276: 2}


@pytest.mark.parametrize("sex", ["M", "F"])
def test_civil_servant_one_month_below_the_reduced_minimum_gets_the_lump_sum_offer(rules: Rules, sex: str) -> None:
    rule, full, reduced_from, _ = public_rule(rules)
    paid = reduced_from - 1
    found = result(rules, "old_age_public", sex=sex, scheme="public", paid=paid, age=rule.min_age[sex])
    assert not found.eligible and found.lump_sum and found.reduced_pct is None
    # Told the months to the nearest pension (the reduced one), not to the full one.
    assert (found.pension_months_missing, found.missing_months) == (reduced_from - paid, full - paid)
    assert found.confidence == rule.lump_sum.confidence
    assert lines(found) == {lang: lump_sum_line(rule.name, 1, lang) for lang in ("lo", "en")}


@pytest.mark.parametrize("paid", [200, 100, 0])  # two- and three-digit months to go
def test_civil_servant_far_below_the_reduced_minimum_is_told_the_months_to_it(rules: Rules, paid: int) -> None:
    rule, _, reduced_from, _ = public_rule(rules)
    found = result(rules, "old_age_public", sex="F", scheme="public", paid=paid, age=rule.min_age["F"] + 3)
    assert found.lump_sum and found.pension_months_missing == reduced_from - paid
    assert lines(found) == {lang: lump_sum_line(rule.name, reduced_from - paid, lang) for lang in ("lo", "en")}


@pytest.mark.parametrize(("sex", "age"), [("M", 56), ("M", 57), ("F", 54), ("F", 55)])
def test_civil_servant_pension_ages_men_57_women_55(rules: Rules, sex: str, age: int) -> None:
    rule, full, _, _ = public_rule(rules)
    pension_age = rule.min_age[sex]
    found = result(rules, "old_age_public", sex=sex, scheme="public", paid=full, age=age)
    if age >= pension_age:
        assert found.eligible and found.from_age is None
    else:
        assert not found.eligible and found.from_age == pension_age
        assert lines(found) == {"lo": f"{rule.name['lo']}: ເມື່ອອາຍຸ {pension_age} ປີ",
                                "en": f"{rule.name['en']}: from age {pension_age}"}


@pytest.mark.parametrize("sex", ["M", "F"])
def test_civil_servant_a_day_before_pension_age_is_not_yet_eligible_nor_offered_the_lump_sum(rules: Rules,
                                                                                            sex: str) -> None:
    rule, full, reduced_from, _ = public_rule(rules)
    age = rule.min_age[sex]
    for paid in (full, full - 1, reduced_from, reduced_from - 1):
        found = result(rules, "old_age_public", sex=sex, scheme="public", paid=paid, age=age, day_before=True)
        assert (found.eligible, found.lump_sum, found.reduced_pct, found.from_age) == (False, False, None, age)
        # Before pension age the member hears the months to the full pension.
        assert found.missing_months == full - paid
        expected = ({"lo": f"{rule.name['lo']}: ເມື່ອອາຍຸ {age} ປີ", "en": f"{rule.name['en']}: from age {age}"}
                    if paid >= full else
                    {"lo": f"{rule.name['lo']}: ຂາດ {full - paid} ເດືອນ, ອາຍຸ {age}",
                     "en": f"{rule.name['en']}: {full - paid} more month{'s' if full - paid != 1 else ''}, age {age}"})
        assert lines(found) == expected


def test_the_civil_servant_ages_do_not_reach_the_enterprise_pension(rules: Rules) -> None:
    old_age = rules.benefit("old_age")
    assert old_age.min_age is not None and old_age.min_age["M"] > 57
    found = result(rules, "old_age", sex="M", scheme="enterprise", paid=400, age=57)
    assert not found.eligible and not found.lump_sum and found.from_age == old_age.min_age["M"]


def test_the_pension_overview_gives_the_reduced_pension_and_the_lump_sum(rules: Rules) -> None:
    rule, full, reduced_from, pct = public_rule(rules)
    old_age = rules.benefit("old_age")
    assert overview_lines([old_age, rule], "en") == [
        f"Old-age pension: {old_age.min_months} months, age 60 men, 55 women",
        f"Public pension: {full} months, age 57 men, 55 women",
        f"Public pension: {reduced_from} months, {pct:g}%/year less",
        LUMP_SUM_NOTE["en"],
    ]
    assert overview_lines([old_age, rule], "lo") == [
        f"ບໍານານ: {old_age.min_months} ເດືອນ, ຊາຍ 60 ຍິງ 55 ປີ",
        f"ບໍານານລັດຖະກອນ: {full} ເດືອນ, ຊາຍ 57 ຍິງ 55 ປີ",
        f"ບໍານານລັດຖະກອນ: {reduced_from} ເດືອນ, ຫຼຸດ {pct:g}%/ປີ",
        LUMP_SUM_NOTE["lo"],
    ]
    assert LUMP_SUM_NOTE["lo"] not in overview_lines([rules.benefit("invalidity")], "lo")


# --- the voluntary scheme's declared incomes -----------------------------------------------------------------------

def nine_percent(rules: Rules, income: int) -> int:
    """rate_pct of an income, rounded half up to whole kip, in fractions (not the code's decimals)."""
    rate = Fraction(str(rules.schemes["voluntary"].rate_pct))
    exact = Fraction(income) * rate / 100
    return int(exact + Fraction(1, 2)) if exact >= 0 else 0


def test_the_minimum_monthly_contribution_is_computed_from_the_minimum_wage(rules: Rules) -> None:
    voluntary = rules.schemes["voluntary"]
    assert voluntary.minimum_income_lak == 2_500_000  # the minimum wage since October 2024
    assert voluntary.minimum_monthly_lak == nine_percent(rules, voluntary.minimum_income_lak) == 225_000
    assert voluntary.confidence.startswith("unconfirmed: ")


def test_the_income_bands_run_from_the_minimum_to_the_maximum_in_steps(rules: Rules) -> None:
    voluntary = rules.schemes["voluntary"]
    low, high, step = voluntary.minimum_income_lak, voluntary.maximum_income_lak, voluntary.income_step_lak
    assert (low, high, step) == (2_500_000, 4_500_000, 500_000)
    assert high == rules.schemes["enterprise"].wage_ceiling_lak
    bands = voluntary.income_bands()
    assert bands[0] == low and bands[-1] == high and len(bands) == (high - low) // step + 1
    assert all(b - a == step for a, b in zip(bands, bands[1:], strict=False))
    assert [voluntary.contribution_for(b) for b in bands] == [nine_percent(rules, b) for b in bands]


@pytest.mark.parametrize("income", [0, 1, 5, 6, 50, 2_500_005, 2_500_006, 3_333_333, 4_500_000])
def test_contribution_for_rounds_to_whole_kip_half_up(rules: Rules, income: int) -> None:
    assert rules.schemes["voluntary"].contribution_for(income) == nine_percent(rules, income)


def test_contribution_for_refuses_what_is_not_an_income(rules: Rules) -> None:
    voluntary = rules.schemes["voluntary"]
    for bad in (-1, 2.5, True, "2500000"):
        with pytest.raises(ValueError, match="declared income"):
            voluntary.contribution_for(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="enterprise"):
        rules.schemes["enterprise"].contribution_for(2_500_000)
    with pytest.raises(ValueError, match="income bands"):
        rules.schemes["enterprise"].income_bands()
    assert rules.schemes["enterprise"].minimum_monthly_lak is None


def test_the_voluntary_screen_and_its_samples_quote_the_computed_figures(rules: Rules) -> None:
    voluntary = rules.schemes["voluntary"]
    values = scheme_values(voluntary)
    assert values["minimum"] == Money(voluntary.contribution_for(voluntary.minimum_income_lak or 0))
    assert values["rate"] == f"{voluntary.rate_pct:g}%"
    assert (values["minimum_income"], values["maximum_income"]) == (Money(2_500_000), Money(4_500_000))
    assert voluntary_scheme_info.samples_for({}) == values


# --- provenance ---------------------------------------------------------------------------------------------------

def test_the_rules_cite_instruction_0060_of_2023_not_guideline_2751() -> None:
    text = Path(DEFAULT_RULES_PATH).read_text(encoding="utf-8")
    header = " ".join(line.lstrip("# ") for line in text.split("\nversion:")[0].splitlines())
    assert "Instruction No. 0060/MLSW of 11 January 2023" in header
    assert "2751" not in text


def test_conditions_sourced_only_from_the_lsso_website_are_unconfirmed(rules: Rules) -> None:
    short_term = {"health_care", "sickness", "maternity", "funeral", "employment_injury", "unemployment"}
    for benefit in rules.benefits:
        only_lsso_pages = "LSSO benefit page" in benefit.source and "product owner" not in benefit.source
        if only_lsso_pages or benefit.code in short_term:
            assert benefit.confidence.startswith("unconfirmed: "), benefit.code
    assert {b.code for b in rules.benefits} >= short_term
    maternity = rules.benefit("maternity")
    assert maternity.window_months is not None and "window" in maternity.confidence


def test_the_new_civil_servant_rules_and_the_lump_sums_carry_their_own_provenance(rules: Rules) -> None:
    public = rules.benefit("old_age_public")
    assert public.reduced is not None and public.lump_sum is not None
    for part in (public, public.reduced, public.lump_sum):
        assert part.source and part.confidence.startswith("unconfirmed: ")
    old_age = rules.benefit("old_age")
    assert old_age.lump_sum is not None and old_age.lump_sum.source and old_age.lump_sum.confidence


# --- the loader refuses bad new fields, naming them ---------------------------------------------------------------

def valid_raw() -> dict[str, Any]:
    def named(lo: str, en: str, **fields: Any) -> dict[str, Any]:
        return {"name": {"lo": lo, "en": en}, **fields, "source": "test", "confidence": "unconfirmed: test"}

    return {
        "version": "test",
        "schemes": {
            "enterprise": named("ວິສາຫະກິດ", "Enterprise", employee_rate_pct=5.5, employer_rate_pct=6),
            "public": named("ລັດຖະກອນ", "Civil servants", employee_rate_pct=8, employer_rate_pct=8.5),
            "voluntary": named("ສະໝັກໃຈ", "Voluntary", rate_pct=9, minimum_income_lak=2_500_000,
                               maximum_income_lak=4_500_000, income_step_lak=500_000),
        },
        "benefits": [
            named("ບໍານານ", "Old-age pension", code="old_age", schemes=["enterprise", "voluntary"],
                  conditions={"min_months": 180, "min_age": {"M": 60, "F": 55}},
                  lump_sum={"source": "law", "confidence": "unconfirmed: article"}),
            named("ບໍານານລັດຖະກອນ", "Public pension", code="old_age_public", schemes=["public"],
                  conditions={"min_months": 300, "min_age": {"M": 57, "F": 55}},
                  reduced={"min_months": 276, "pct_per_year": 1, "source": "decree", "confidence": "unconfirmed: x"}),
        ],
    }


def test_the_valid_file_with_the_new_fields_parses() -> None:
    parsed = parse_rules(valid_raw())
    voluntary = parsed.schemes["voluntary"]
    assert voluntary.minimum_monthly_lak == 225_000 and voluntary.income_bands()[-1] == 4_500_000
    public = parsed.benefit("old_age_public")
    assert public.reduced is not None and (public.reduced.min_months, public.reduced.pct_per_year) == (276, 1.0)
    assert parsed.benefit("old_age").lump_sum is not None and public.lump_sum is None


def _voluntary(raw: dict[str, Any]) -> dict[str, Any]:
    return raw["schemes"]["voluntary"]


def _reduced(raw: dict[str, Any]) -> dict[str, Any]:
    return raw["benefits"][1]["reduced"]


BAD_NEW_FIELDS = {
    "typed minimum contribution": (lambda r: _voluntary(r).update(minimum_monthly_lak=108_000),
                                   ["scheme 'voluntary'", "minimum_monthly_lak", "minimum_income_lak"]),
    "minimum income as text": (lambda r: _voluntary(r).update(minimum_income_lak="2.5M"), ["minimum_income_lak"]),
    "maximum below minimum": (lambda r: _voluntary(r).update(maximum_income_lak=2_000_000),
                              ["maximum_income_lak", "minimum_income_lak"]),
    "step not leading to maximum": (lambda r: _voluntary(r).update(income_step_lak=300_000), ["income_step_lak"]),
    "step of nothing": (lambda r: _voluntary(r).update(income_step_lak=0), ["income_step_lak"]),
    "maximum without step": (lambda r: _voluntary(r).pop("income_step_lak"), ["maximum_income_lak",
                                                                              "income_step_lak"]),
    "minimum income without a rate": (lambda r: r["schemes"]["enterprise"].update(minimum_income_lak=1),
                                      ["scheme 'enterprise'", "minimum_income_lak", "rate_pct"]),
    "reduced from the full months": (lambda r: _reduced(r).update(min_months=300), ["old_age_public",
                                                                                    "reduced.min_months"]),
    "reduced without a cut": (lambda r: _reduced(r).pop("pct_per_year"), ["reduced.pct_per_year"]),
    "reduced cut of nothing": (lambda r: _reduced(r).update(pct_per_year=0), ["reduced.pct_per_year"]),
    "reduced cut of everything": (lambda r: _reduced(r).update(pct_per_year=60), ["reduced.pct_per_year"]),
    "reduced unknown field": (lambda r: _reduced(r).update(from_age=55), ["reduced.from_age"]),
    "reduced without source": (lambda r: _reduced(r).pop("source"), ["reduced.source"]),
    "reduced vague confidence": (lambda r: _reduced(r).update(confidence="probably"), ["reduced.confidence"]),
    "reduced as a number": (lambda r: r["benefits"][1].update(reduced=276), ["old_age_public", "reduced"]),
    "lump sum as yes": (lambda r: r["benefits"][0].update(lump_sum=True), ["old_age", "lump_sum"]),
    "lump sum without pension age": (lambda r: r["benefits"][0]["conditions"].pop("min_age"),
                                     ["old_age", "lump_sum", "min_age"]),
    "lump sum without confidence": (lambda r: r["benefits"][0]["lump_sum"].pop("confidence"),
                                    ["lump_sum.confidence"]),
    "lump sum unknown field": (lambda r: r["benefits"][0]["lump_sum"].update(amount=1), ["lump_sum.amount"]),
    "four-digit months": (lambda r: r["benefits"][0]["conditions"].update(min_months=1000), ["conditions.min_months"]),
}


@pytest.mark.parametrize("name", BAD_NEW_FIELDS)
def test_the_loader_refuses_bad_new_fields_naming_them(name: str) -> None:
    assert_refused(valid_raw(), *BAD_NEW_FIELDS[name])
