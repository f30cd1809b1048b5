"""The benefit rules: model, YAML loader and validation. A bad file is refused whole, every problem listed naming
the benefit (or scheme) and the field, so whoever edits the file can fix it without reading this code."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

DEFAULT_RULES_PATH = Path(__file__).with_name("rules.yaml")
SCHEME_CODES = ("enterprise", "public", "voluntary")
SEXES = ("M", "F")
# Longest name that still lets every explain() line fit a USSD line (LINE_MAX_CHARS: 38 UCS-2 / 40 GSM-7
# characters) with three-digit months and a two-digit age: "<name>: ຂາດ 180 ເດືອນ, ອາຍຸ 60" /
# "<name>: 180 more months, age 60", and the shortest lump-sum wording, "<name>: ເງິນກ້ອນ ຫຼື 276 ເດືອນ" /
# "<name>: lump sum or +276 months" (eligibility._LINES gives longer wordings first, used when they fit).
NAME_MAX_CHARS = {"lo": 14, "en": 15}
LINE_MAX_CHARS = {"lo": 38, "en": 40}
MAX_MONTHS = 999  # three digits, as the line budget above assumes

_TOP_FIELDS = {"version", "schemes", "benefits"}
_BENEFIT_FIELDS = {"code", "name", "schemes", "sex", "conditions", "lump_sum", "reduced", "source", "confidence"}
_CONDITION_FIELDS = {"min_months", "window_months", "min_age"}
_LUMP_SUM_FIELDS = {"source", "confidence"}
_REDUCED_FIELDS = {"min_months", "pct_per_year", "source", "confidence"}
_INCOME_FIELDS = ("minimum_income_lak", "maximum_income_lak", "income_step_lak")


class RulesError(ValueError):
    """A rules file that must not be used. `problems` holds one message per mistake."""

    def __init__(self, problems: list[str] | str, source: str = "") -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        super().__init__((f"{source}: " if source else "") + "; ".join(self.problems))


@dataclass(frozen=True)
class SchemeRates:
    """A scheme's contribution figures. For a scheme with one rate on a declared income (voluntary), the
    declared income runs from minimum_income_lak to maximum_income_lak in steps of income_step_lak; the
    minimum monthly contribution is computed from them, never typed."""

    code: str
    name: dict[str, str]
    employee_rate_pct: float | None
    employer_rate_pct: float | None
    rate_pct: float | None
    wage_ceiling_lak: int | None
    source: str
    confidence: str
    minimum_income_lak: int | None = None
    maximum_income_lak: int | None = None
    income_step_lak: int | None = None

    @property
    def minimum_monthly_lak(self) -> int | None:
        """rate_pct of minimum_income_lak, or None when the scheme has no such floor."""
        if self.rate_pct is None or self.minimum_income_lak is None:
            return None
        return self.contribution_for(self.minimum_income_lak)

    def contribution_for(self, income_lak: int) -> int:
        """rate_pct of a declared monthly income, in whole kip rounded half up (exact decimal arithmetic:
        9% of 2,500,005 is 225,000.45 -> 225,000; of 2,500,006, 225,000.54 -> 225,001)."""
        if self.rate_pct is None:
            raise ValueError(f"scheme {self.code!r} has no single rate_pct (its contributions are split)")
        if isinstance(income_lak, bool) or not isinstance(income_lak, int) or income_lak < 0:
            raise ValueError(f"a declared income is a whole number of kip, at least 0 (got {income_lak!r})")
        exact = Decimal(str(self.rate_pct)) * income_lak / 100
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def income_bands(self) -> list[int]:
        """The declared incomes a member may choose: minimum, minimum + step, ..., maximum."""
        low, high, step = self.minimum_income_lak, self.maximum_income_lak, self.income_step_lak
        if low is None or high is None or step is None:
            raise ValueError(f"scheme {self.code!r} has no income bands (minimum_income_lak, maximum_income_lak "
                             "and income_step_lak)")
        return list(range(low, high + 1, step))


@dataclass(frozen=True)
class LumpSum:
    """A pension benefit pays a lump sum to whoever reaches pension age short of the months for any pension
    (the reduced one included)."""

    source: str
    confidence: str


@dataclass(frozen=True)
class ReducedPension:
    """From min_months (fewer than the benefit's own), the pension is paid cut by pct_per_year for each year,
    or part of a year, short of the benefit's min_months."""

    min_months: int
    pct_per_year: float
    source: str
    confidence: str

    def cut_pct(self, months_paid: int, full_months: int) -> float | None:
        """The cut for `months_paid`, or None when they give the full pension or too few for this one."""
        if months_paid >= full_months or months_paid < self.min_months:
            return None
        years_short = -(-(full_months - months_paid) // 12)  # a part of a year counts as a year
        return years_short * self.pct_per_year


@dataclass(frozen=True)
class Benefit:
    code: str
    name: dict[str, str]
    schemes: tuple[str, ...]
    sex: str | None
    min_months: int
    window_months: int | None
    min_age: dict[str, int] | None
    source: str
    confidence: str
    lump_sum: LumpSum | None = None
    reduced: ReducedPension | None = None


@dataclass(frozen=True)
class Rules:
    benefits: tuple[Benefit, ...]
    schemes: dict[str, SchemeRates]
    version: str

    def benefit(self, code: str) -> Benefit:
        for benefit in self.benefits:
            if benefit.code == code:
                return benefit
        raise KeyError(f"no benefit {code!r} in rules version {self.version}")


def load_rules(path: str | Path) -> Rules:
    """Read and check a rules file. A missing file raises OSError; a bad one raises RulesError."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RulesError(f"not valid YAML ({exc})", str(path)) from exc
    return parse_rules(raw, source=str(path))


def parse_rules(raw: Any, source: str = "") -> Rules:
    """Build Rules from the parsed YAML document, or raise RulesError listing every problem."""
    if not isinstance(raw, dict):
        raise RulesError("a rules file is a mapping with version, schemes and benefits", source)
    problems: list[str] = []
    top = _Check("rules file", problems)
    top.unknown(raw, _TOP_FIELDS)
    if isinstance(version := raw.get("version"), bool) or not isinstance(version, (str, int)) or not str(version):
        top.fail("'version' is required (text or a number)")
    raw_schemes: dict[str, Any] = raw["schemes"] if isinstance(raw.get("schemes"), dict) else {}
    raw_benefits: list[Any] = raw["benefits"] if isinstance(raw.get("benefits"), list) else []
    if not raw_schemes or not raw_benefits:
        top.fail("'schemes' (a mapping of scheme codes) and 'benefits' (a list) are both required")
    checked = {code: _scheme(code, body, _Check(f"scheme {code!r}", problems)) for code, body in raw_schemes.items()}
    schemes = {code: rates for code, rates in checked.items() if rates is not None}
    benefits: dict[str, Benefit | None] = {}
    for index, body in enumerate(raw_benefits, start=1):
        code = body.get("code") if isinstance(body, dict) else None
        key = code if isinstance(code, str) and code else f"#{index}"
        where = f"benefit {key!r}"
        if key in benefits:
            problems.append(f"{where}: duplicate code (each benefit code appears once)")
        else:
            benefits[key] = _benefit(body, _Check(where, problems), set(raw_schemes))
    if problems:
        raise RulesError(problems, source)
    return Rules(benefits=tuple(b for b in benefits.values() if b), schemes=schemes, version=str(version))


def _scheme(code: str, body: Any, check: _Check) -> SchemeRates | None:
    if code not in SCHEME_CODES or not isinstance(body, dict):
        check.fail(f"a scheme code is one of {', '.join(SCHEME_CODES)} and maps to its figures")
        return None
    if "minimum_monthly_lak" in body:
        check.fail("minimum_monthly_lak is computed (rate_pct of minimum_income_lak): give minimum_income_lak "
                   "instead")
    check.unknown({k: v for k, v in body.items() if k != "minimum_monthly_lak"},
                  {f.name for f in fields(SchemeRates)} - {"code"})
    pct = {k: check.num(body, k, high=100, whole=False) for k in ("employee_rate_pct", "employer_rate_pct", "rate_pct")}
    lak = {k: check.num(body, k, low=1 if k == "income_step_lak" else 0) for k in ("wage_ceiling_lak", *_INCOME_FIELDS)}
    _incomes(check, pct["rate_pct"], lak["minimum_income_lak"], lak["maximum_income_lak"], lak["income_step_lak"])
    source, confidence = check.provenance(body)
    return SchemeRates(code=code, name=check.names(body.get("name"), limit=False), source=source,
                       confidence=confidence, **pct, **lak)


def _incomes(check: _Check, rate: float | None, low: int | None, high: int | None, step: int | None) -> None:
    if low is not None and rate is None:
        check.fail("minimum_income_lak needs rate_pct (the minimum contribution is rate_pct of it)")
    if (high is None) != (step is None) or (high is not None and low is None):
        check.fail("maximum_income_lak and income_step_lak come together, with minimum_income_lak (the bands run "
                   "from the minimum to the maximum in steps)")
    elif low is not None and high is not None and step is not None:
        if high < low:
            check.fail(f"maximum_income_lak ({high}) is below minimum_income_lak ({low})")
        elif (high - low) % step:
            check.fail(f"income_step_lak ({step}) does not lead from minimum_income_lak ({low}) to "
                       f"maximum_income_lak ({high}) in whole steps")


def _benefit(body: Any, check: _Check, scheme_codes: set[str]) -> Benefit | None:
    if not isinstance(body, dict):
        check.fail("must be a mapping with code, name, schemes, conditions, source, confidence")
        return None
    check.unknown(body, _BENEFIT_FIELDS)
    if not isinstance(code := body.get("code"), str) or not (code.isascii() and code.isidentifier() and code.islower()):
        check.fail(f"code must be lower_case letters, digits and '_' (got {code!r})")
    schemes = body.get("schemes")
    if not isinstance(schemes, list) or not schemes or schemes != list(dict.fromkeys(map(str, schemes))):  # text, once
        check.fail("schemes must be a non-empty list of scheme codes without repeats")
        schemes = []
    for scheme in (s for s in schemes if s not in scheme_codes):
        check.fail(f"schemes names unknown scheme {scheme!r} (defined: {', '.join(sorted(scheme_codes))})")
    if (sex := body.get("sex")) not in (None, *SEXES):
        check.fail(f"sex must be 'M', 'F' or absent (got {sex!r})")
    if not isinstance(conditions := body.get("conditions"), dict):
        check.fail("conditions must be a mapping with at least min_months")
        conditions = {}
    check.unknown(conditions, _CONDITION_FIELDS, prefix="conditions.")
    min_months = check.num(conditions, "min_months", prefix="conditions.", high=MAX_MONTHS, required=True)
    window = check.num(conditions, "window_months", prefix="conditions.", low=1)
    if window is not None and min_months is not None and window < min_months:
        check.fail(f"conditions.window_months ({window}) is shorter than min_months ({min_months})")
    if (min_age := conditions.get("min_age")) is not None:
        if isinstance(min_age, dict) and set(min_age) == set(SEXES):
            min_age = {sex: check.num(min_age, sex, prefix="conditions.min_age.", high=120) for sex in SEXES}
        else:
            check.fail(f"conditions.min_age must give both M and F (got {min_age!r})")
    lump_sum = _lump_sum(body.get("lump_sum"), check, min_age) if "lump_sum" in body else None
    reduced = _reduced(body.get("reduced"), check, min_months) if "reduced" in body else None
    source, confidence = check.provenance(body)
    return Benefit(code=str(code), name=check.names(body.get("name"), limit=True), schemes=tuple(schemes), sex=sex,
                   min_months=min_months, window_months=window, min_age=min_age, source=source, confidence=confidence,
                   lump_sum=lump_sum, reduced=reduced)


def _lump_sum(raw: Any, check: _Check, min_age: Any) -> LumpSum | None:
    if not isinstance(raw, dict):
        check.fail(f"lump_sum must be a mapping with source and confidence (got {raw!r})")
        return None
    check.unknown(raw, _LUMP_SUM_FIELDS, prefix="lump_sum.")
    if min_age is None:
        check.fail("lump_sum needs conditions.min_age (the lump sum is paid at pension age)")
    source, confidence = check.provenance(raw, prefix="lump_sum.")
    return LumpSum(source=source, confidence=confidence)


def _reduced(raw: Any, check: _Check, full_months: int | None) -> ReducedPension | None:
    if not isinstance(raw, dict):
        check.fail(f"reduced must be a mapping with min_months, pct_per_year, source and confidence (got {raw!r})")
        return None
    check.unknown(raw, _REDUCED_FIELDS, prefix="reduced.")
    months = check.num(raw, "min_months", prefix="reduced.", low=1, required=True)
    pct = check.num(raw, "pct_per_year", prefix="reduced.", high=100, whole=False, required=True)
    if pct == 0:
        check.fail("reduced.pct_per_year must be more than 0 (a cut of nothing is the full pension)")
    if months is not None and full_months is not None:
        if months >= full_months:
            check.fail(f"reduced.min_months ({months}) must be fewer than conditions.min_months ({full_months})")
        elif pct is not None and -(-(full_months - months) // 12) * pct >= 100:
            check.fail(f"reduced.pct_per_year ({pct:g}) cuts the pension by 100% or more at reduced.min_months")
    source, confidence = check.provenance(raw, prefix="reduced.")
    if months is None or pct is None:
        return None
    return ReducedPension(min_months=months, pct_per_year=pct, source=source, confidence=confidence)


class _Check:
    """Collects the problems of one scheme or benefit, each message starting with which one it is."""

    def __init__(self, where: str, problems: list[str]) -> None:
        self.where, self.problems = where, problems

    def fail(self, message: str) -> None:
        self.problems.append(f"{self.where}: {message}")

    def unknown(self, body: dict[str, Any], allowed: set[str], prefix: str = "") -> None:
        self.problems += [f"{self.where}: unknown field '{prefix}{key}'" for key in body if key not in allowed]

    def num(self, body: dict[str, Any], key: str, *, prefix: str = "", low: int = 0, high: int | None = None,
            whole: bool = True, required: bool = False) -> Any:
        if (value := body.get(key)) is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)) or value < low \
                or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
            self.fail(f"{prefix}{key} must be a {'whole ' if whole else ''}number {bound} (got {value!r})")
            return None
        return value if whole else float(value)

    def names(self, raw: Any, *, limit: bool) -> dict[str, str]:
        if not isinstance(raw, dict):
            self.fail("name must map 'lo' and 'en' to text")
            return {}
        names: dict[str, str] = {}
        for lang, most in NAME_MAX_CHARS.items():
            if not isinstance(text := raw.get(lang), str) or not text.strip():
                self.fail(f"name.{lang} is missing")
                continue
            names[lang] = text.strip()
            width = len(names[lang].encode("utf-16-le")) // 2  # what the network counts for Lao (UCS-2)
            if limit and width > most:
                self.fail(f"name.{lang} is {width} characters; at most {most} fit a USSD line")
        return names

    def provenance(self, body: dict[str, Any], prefix: str = "") -> tuple[str, str]:
        source, confidence = body.get("source"), body.get("confidence")
        if not isinstance(source, str) or not source.strip():
            self.fail(f"{prefix}source is required (the legal text or document the figures come from)")
        if confidence != "confirmed" and not (isinstance(confidence, str) and confidence.startswith("unconfirmed: ")
                                              and confidence.removeprefix("unconfirmed: ").strip()):
            self.fail(f"{prefix}confidence must be 'confirmed' or 'unconfirmed: <what to check>'")
        return str(source or "").strip(), str(confidence or "")
