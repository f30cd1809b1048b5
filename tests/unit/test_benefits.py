"""The benefit rules engine: what a member is told, how months are counted, and which rules files are refused."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from ussd_app.benefits import (
    DEFAULT_RULES_PATH,
    BenefitResult,
    Rules,
    RulesError,
    age_on,
    count_months,
    evaluate,
    explain,
    load_rules,
    parse_rules,
)
from ussd_app.benefits.rules import LINE_MAX_CHARS

TODAY = date(2026, 6, 15)


def months(count: int, end: str = "2026-06") -> list[str]:
    """`count` consecutive 'YYYY-MM' periods ending with `end`."""
    year, month = map(int, end.split("-"))
    periods = []
    for _ in range(count):
        periods.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return periods


def born(age: int) -> date:
    """A date of birth that makes the member `age` on TODAY (birthday already passed this year)."""
    return date(TODAY.year - age, 1, 10)


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(DEFAULT_RULES_PATH)


def result_for(rules: Rules, code: str, *, sex: str = "M", age: int = 40, scheme: str = "enterprise",
               periods: list[str] | None = None) -> BenefitResult:
    results = evaluate(rules, sex=sex, date_of_birth=born(age), scheme=scheme, periods=periods or [], today=TODAY)
    return next(r for r in results if r.code == code)


# --- the shipped rules file -------------------------------------------------------------------------------------

def test_shipped_rules_carry_the_product_owners_figures(rules: Rules) -> None:
    old_age = rules.benefit("old_age")
    assert (old_age.min_months, old_age.min_age, old_age.window_months) == (180, {"M": 60, "F": 55}, None)
    assert rules.benefit("invalidity").min_months == 12
    assert rules.benefit("survivors").min_months == 60
    enterprise, voluntary = rules.schemes["enterprise"], rules.schemes["voluntary"]
    assert (enterprise.employee_rate_pct, enterprise.employer_rate_pct, enterprise.wage_ceiling_lak) == (5.5, 6.0,
                                                                                                          4_500_000)
    assert voluntary.rate_pct == 9.0
    assert voluntary.minimum_monthly_lak == voluntary.contribution_for(voluntary.minimum_income_lak or 0)
    assert set(rules.schemes) == {"enterprise", "public", "voluntary"}


def test_shipped_rules_include_the_short_term_benefits(rules: Rules) -> None:
    codes = [b.code for b in rules.benefits]
    assert {"health_care", "sickness", "maternity", "funeral", "employment_injury", "unemployment"} <= set(codes)
    assert rules.benefit("maternity").sex == "F"


def test_looking_up_an_unknown_benefit_says_which(rules: Rules) -> None:
    with pytest.raises(KeyError, match="no_such_benefit"):
        rules.benefit("no_such_benefit")


# --- what a member is told --------------------------------------------------------------------------------------

def test_man_of_61_with_185_months_is_eligible_for_old_age(rules: Rules) -> None:
    result = result_for(rules, "old_age", sex="M", age=61, periods=months(185))
    assert result.eligible and result.covered
    assert (result.months_paid, result.missing_months, result.from_age) == (185, 0, None)
    assert explain(result, "en") == "Old-age pension: eligible"
    assert explain(result, "lo") == "ບໍານານ: ມີສິດ"


def test_woman_of_55_with_179_months_may_take_the_lump_sum_or_pay_one_more_month(rules: Rules) -> None:
    result = result_for(rules, "old_age", sex="F", age=55, periods=months(179))
    assert not result.eligible and result.lump_sum
    assert (result.missing_months, result.pension_months_missing, result.from_age) == (1, 1, None)
    assert explain(result, "en") == "Old-age pension: lump sum or +1 month"
    assert explain(result, "lo") == "ບໍານານ: ເງິນກ້ອນ ຫຼື ຈ່າຍອີກ 1 ເດືອນ"


def test_man_of_50_with_200_months_is_told_from_age_60(rules: Rules) -> None:
    result = result_for(rules, "old_age", sex="M", age=50, periods=months(200))
    assert not result.eligible
    assert (result.missing_months, result.from_age) == (0, 60)
    assert explain(result, "en") == "Old-age pension: from age 60"
    assert explain(result, "lo") == "ບໍານານ: ເມື່ອອາຍຸ 60 ປີ"


def test_young_member_short_of_months_is_told_both(rules: Rules) -> None:
    result = result_for(rules, "old_age", sex="F", age=40, periods=months(100))
    assert (result.missing_months, result.from_age) == (80, 55)
    assert explain(result, "en") == "Old-age pension: 80 more months, age 55"
    assert explain(result, "lo") == "ບໍານານ: ຂາດ 80 ເດືອນ, ອາຍຸ 55"


def test_voluntary_member_is_not_covered_by_benefits_the_scheme_lacks(rules: Rules) -> None:
    results = evaluate(rules, sex="F", date_of_birth=born(30), scheme="voluntary", periods=months(120), today=TODAY)
    lacking = {r.code for r in results if not r.covered}
    assert {"unemployment", "maternity", "sickness", "employment_injury"} <= lacking
    for result in results:
        if result.code in lacking:
            assert not result.eligible and result.missing_months == 0
            assert explain(result, "en") == f"{result.name['en']}: not in your scheme"
            assert explain(result, "lo") == f"{result.name['lo']}: ບໍ່ຢູ່ໃນລະບອບ"
    assert next(r for r in results if r.code == "old_age").covered


def test_men_are_not_covered_by_maternity_and_women_are(rules: Rules) -> None:
    assert not result_for(rules, "maternity", sex="M", periods=months(24)).covered
    woman = result_for(rules, "maternity", sex="F", periods=months(24))
    assert woman.covered and woman.eligible


def test_civil_servant_pension_needs_more_months_than_the_enterprise_one(rules: Rules) -> None:
    assert not result_for(rules, "old_age", scheme="public", age=61, periods=months(200)).covered
    public = result_for(rules, "old_age_public", scheme="public", age=61, periods=months(200))
    assert public.covered and not public.eligible
    assert public.missing_months == rules.benefit("old_age_public").min_months - 200


def test_one_result_per_benefit_in_file_order(rules: Rules) -> None:
    results = evaluate(rules, sex="M", date_of_birth=born(45), scheme="public", periods=months(30), today=TODAY)
    assert [r.code for r in results] == [b.code for b in rules.benefits]


def test_periods_given_as_a_one_shot_iterator_count_for_every_benefit(rules: Rules) -> None:
    results = evaluate(rules, sex="M", date_of_birth=born(61), scheme="enterprise", periods=iter(months(185)),
                       today=TODAY)
    by_code = {r.code: r for r in results}
    assert by_code["old_age"].months_paid == 185
    assert by_code["health_care"].months_paid == rules.benefit("health_care").window_months


def test_old_contributions_do_not_count_towards_maternity(rules: Rules) -> None:
    window = rules.benefit("maternity").window_months
    assert window is not None
    old = months(60, end="2024-12")  # five years of work that ended 18 months ago
    result = result_for(rules, "maternity", sex="F", periods=old)
    assert (result.months_paid, result.eligible) == (0, False)
    assert result.missing_months == rules.benefit("maternity").min_months
    # The same career still counts in full where there is no window.
    assert result_for(rules, "survivors", sex="F", periods=old).eligible
    recent = result_for(rules, "maternity", sex="F", periods=old + months(5))
    assert recent.months_paid == 5


def test_unknown_scheme_or_sex_is_refused(rules: Rules) -> None:
    with pytest.raises(ValueError, match="farmers"):
        evaluate(rules, sex="M", date_of_birth=born(40), scheme="farmers", periods=[], today=TODAY)
    with pytest.raises(ValueError, match="sex"):
        evaluate(rules, sex="X", date_of_birth=born(40), scheme="enterprise", periods=[], today=TODAY)


# --- explain(): one line that fits a USSD screen ----------------------------------------------------------------

def _width(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2  # UCS-2 code units, as the network counts Lao


def test_every_line_of_every_benefit_fits_a_ussd_line(rules: Rules) -> None:
    many = max([180] + [b.min_months for b in rules.benefits])
    oldest = max([60] + [age for b in rules.benefits for age in (b.min_age or {}).values()])
    cases = [(True, True, 0, None), (True, False, many, None), (True, False, 0, oldest), (True, False, many, oldest),
             (False, False, 0, None)]
    for benefit in rules.benefits:
        for covered, eligible, missing, from_age in cases:
            result = BenefitResult(benefit.code, benefit.name, eligible, covered, 0, missing, from_age, "confirmed")
            extra = [replace(result, eligible=True, reduced_pct=99.0),
                     replace(result, eligible=False, lump_sum=True, pension_months_missing=many)]
            for case in [result, *(extra if covered else [])]:
                lao, english = explain(case, "lo"), explain(case, "en")
                assert _width(lao) <= LINE_MAX_CHARS["lo"] == 38, lao
                assert english.isascii() and len(english) <= LINE_MAX_CHARS["en"] == 40, english


def test_english_says_month_for_one_and_months_for_more(rules: Rules) -> None:
    one = result_for(rules, "invalidity", periods=months(11))
    two = result_for(rules, "invalidity", periods=months(10))
    assert explain(one, "en") == "Invalidity: 1 more month"
    assert explain(two, "en") == "Invalidity: 2 more months"


def test_explain_refuses_a_language_it_has_no_words_for(rules: Rules) -> None:
    with pytest.raises(ValueError, match="th"):
        explain(result_for(rules, "old_age"), "th")


# --- counting months and years ----------------------------------------------------------------------------------

def test_a_month_paid_twice_counts_once() -> None:
    assert count_months(["2026-01", "2026-01", "2026-02"], TODAY, None) == 2


def test_months_after_the_current_one_do_not_count() -> None:
    assert count_months(["2026-06", "2026-07", "2027-01"], TODAY, None) == 1


def test_window_runs_back_from_the_current_month_included() -> None:
    assert count_months(months(12), TODAY, 12) == 12
    assert count_months(["2025-06", "2025-07"], TODAY, 12) == 1  # 2025-06 is the 13th month back
    assert count_months(months(300), TODAY, None) == 300


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "26-01", "2026/01", None])
def test_a_malformed_period_is_refused(bad: Any) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        count_months(["2026-01", bad], TODAY, None)


def test_a_window_of_no_months_is_refused() -> None:
    with pytest.raises(ValueError, match="window_months"):
        count_months(["2026-01"], TODAY, 0)


def test_age_changes_on_the_birthday() -> None:
    assert age_on(date(1966, 6, 16), TODAY) == 59
    assert age_on(date(1966, 6, 15), TODAY) == 60
    leap = date(2000, 2, 29)
    assert age_on(leap, date(2027, 2, 28)) == 26
    assert age_on(leap, date(2027, 3, 1)) == 27


# --- the loader refuses bad files -------------------------------------------------------------------------------

def valid_raw() -> dict[str, Any]:
    def named(lo: str, en: str, confidence: str = "confirmed", **fields: Any) -> dict[str, Any]:
        return {"name": {"lo": lo, "en": en}, **fields, "source": "test", "confidence": confidence}

    return {
        "version": "test",
        "schemes": {
            "enterprise": named("ວິສາຫະກິດ", "Enterprise", employee_rate_pct=5.5, employer_rate_pct=6,
                                wage_ceiling_lak=4_500_000),
            "voluntary": named("ສະໝັກໃຈ", "Voluntary", "unconfirmed: test figures", rate_pct=9,
                               minimum_income_lak=1_200_000),
        },
        "benefits": [
            named("ບໍານານ", "Old-age pension", code="old_age", schemes=["enterprise", "voluntary"],
                  conditions={"min_months": 180, "min_age": {"M": 60, "F": 55}}),
            named("ເກີດລູກ", "Maternity", "unconfirmed: window", code="maternity", schemes=["enterprise"], sex="F",
                  conditions={"min_months": 9, "window_months": 12}),
        ],
    }


def test_a_valid_file_parses_into_the_model() -> None:
    rules = parse_rules(valid_raw())
    assert [b.code for b in rules.benefits] == ["old_age", "maternity"]
    maternity = rules.benefit("maternity")
    assert (maternity.schemes, maternity.sex, maternity.window_months, maternity.min_age) == (("enterprise",), "F",
                                                                                              12, None)
    enterprise = rules.schemes["enterprise"]
    assert (enterprise.employer_rate_pct, enterprise.rate_pct, enterprise.minimum_monthly_lak) == (6.0, None, None)


def _maternity(raw: dict[str, Any]) -> dict[str, Any]:
    return raw["benefits"][1]


BAD_FILES = {
    "unknown scheme": (lambda r: _maternity(r).update(schemes=["enterprise", "farmers"]), ["maternity", "farmers"]),
    "missing Lao name": (lambda r: _maternity(r)["name"].pop("lo"), ["maternity", "name.lo"]),
    "missing English name": (lambda r: _maternity(r)["name"].pop("en"), ["maternity", "name.en"]),
    "name too long": (lambda r: _maternity(r)["name"].update(lo="ຄອບຄົວຜູ້ເສຍຊີວິດ"), ["maternity", "name.lo"]),
    "negative months": (lambda r: _maternity(r)["conditions"].update(min_months=-1), ["maternity", "min_months"]),
    "months as text": (lambda r: _maternity(r)["conditions"].update(min_months="nine"), ["maternity", "min_months"]),
    "months as yes": (lambda r: _maternity(r)["conditions"].update(min_months=True), ["maternity", "min_months"]),
    "no months": (lambda r: _maternity(r)["conditions"].pop("min_months"), ["maternity", "min_months"]),
    "unknown field": (lambda r: _maternity(r).update(notes="x"), ["maternity", "'notes'"]),
    "unknown condition": (lambda r: _maternity(r)["conditions"].update(max_age=70),
                          ["maternity", "conditions.max_age"]),
    "window shorter": (lambda r: _maternity(r)["conditions"].update(window_months=6), ["maternity", "window_months"]),
    "bad sex": (lambda r: _maternity(r).update(sex="W"), ["maternity", "sex"]),
    "duplicate code": (lambda r: _maternity(r).update(code="old_age"), ["old_age", "duplicate"]),
    "age for one sex": (lambda r: r["benefits"][0]["conditions"].update(min_age={"M": 60}), ["old_age", "min_age"]),
    "no schemes": (lambda r: _maternity(r).update(schemes=[]), ["maternity", "schemes"]),
    "scheme twice": (lambda r: _maternity(r).update(schemes=["enterprise", "enterprise"]), ["maternity", "schemes"]),
    "no source": (lambda r: _maternity(r).pop("source"), ["maternity", "source"]),
    "vague confidence": (lambda r: _maternity(r).update(confidence="maybe"), ["maternity", "confidence"]),
    "empty unconfirmed": (lambda r: _maternity(r).update(confidence="unconfirmed: "), ["maternity", "confidence"]),
    "rate over 100": (lambda r: r["schemes"]["enterprise"].update(employee_rate_pct=150),
                      ["scheme 'enterprise'", "employee_rate_pct"]),
    "unknown scheme code": (lambda r: r["schemes"].update(farmers=r["schemes"]["voluntary"]), ["scheme 'farmers'"]),
    "unknown top field": (lambda r: r.update(benefit=[]), ["'benefit'"]),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_the_loader_refuses_a_bad_file_naming_what_is_wrong(name: str) -> None:
    assert_refused(valid_raw(), *BAD_FILES[name])


def assert_refused(raw, spoil, fragments: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Valid rules `raw`, spoilt by `spoil`, are refused with a message naming each fragment."""
    raw = copy.deepcopy(raw)
    spoil(raw)
    with pytest.raises(RulesError) as refused:
        parse_rules(raw, source="rules.yaml")
    message = str(refused.value)
    assert message.startswith("rules.yaml: ")
    for fragment in fragments:
        assert fragment in message, message


def test_the_loader_lists_every_problem_at_once() -> None:
    raw = valid_raw()
    _maternity(raw).update(sex="W")
    raw["benefits"][0]["conditions"]["min_months"] = -5
    with pytest.raises(RulesError) as refused:
        parse_rules(raw)
    assert len(refused.value.problems) == 2


def test_load_rules_refuses_a_file_that_is_not_yaml_or_not_a_mapping(tmp_path: Any) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("benefits: [\n", encoding="utf-8")
    with pytest.raises(RulesError, match="broken.yaml"):
        load_rules(broken)
    listing = tmp_path / "list.yaml"
    listing.write_text("- old_age\n- maternity\n", encoding="utf-8")
    with pytest.raises(RulesError, match="mapping"):
        load_rules(listing)
