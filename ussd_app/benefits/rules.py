"""The benefit rules: model, YAML loader and validation. A bad file is refused whole, every problem listed naming
the benefit (or scheme) and the field, so whoever edits the file can fix it without reading this code."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

DEFAULT_RULES_PATH = Path(__file__).with_name("rules.yaml")
SCHEME_CODES = ("enterprise", "public", "voluntary")
SEXES = ("M", "F")
# Longest name that still lets every explain() line fit a USSD line (38 UCS-2 / 40 GSM-7 characters)
# with three-digit months and a two-digit age: "<name>: ຂາດ 180 ເດືອນ, ອາຍຸ 60" / "<name>: 180 more months, age 60".
NAME_MAX_CHARS = {"lo": 14, "en": 15}

_TOP_FIELDS = {"version", "schemes", "benefits"}
_BENEFIT_FIELDS = {"code", "name", "schemes", "sex", "conditions", "source", "confidence"}
_CONDITION_FIELDS = {"min_months", "window_months", "min_age"}


class RulesError(ValueError):
    """A rules file that must not be used. `problems` holds one message per mistake."""

    def __init__(self, problems: list[str] | str, source: str = "") -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        super().__init__((f"{source}: " if source else "") + "; ".join(self.problems))


@dataclass(frozen=True)
class SchemeRates:
    code: str
    name: dict[str, str]
    employee_rate_pct: float | None
    employer_rate_pct: float | None
    rate_pct: float | None
    minimum_monthly_lak: int | None
    wage_ceiling_lak: int | None
    source: str
    confidence: str


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
    check.unknown(body, {f.name for f in fields(SchemeRates)} - {"code"})
    pct = {k: check.num(body, k, high=100, whole=False) for k in ("employee_rate_pct", "employer_rate_pct", "rate_pct")}
    lak = {k: check.num(body, k) for k in ("minimum_monthly_lak", "wage_ceiling_lak")}
    source, confidence = check.provenance(body)
    return SchemeRates(code=code, name=check.names(body.get("name"), limit=False), source=source,
                       confidence=confidence, **pct, **lak)


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
    min_months = check.num(conditions, "min_months", prefix="conditions.", required=True)
    window = check.num(conditions, "window_months", prefix="conditions.", low=1)
    if window is not None and min_months is not None and window < min_months:
        check.fail(f"conditions.window_months ({window}) is shorter than min_months ({min_months})")
    if (min_age := conditions.get("min_age")) is not None:
        if isinstance(min_age, dict) and set(min_age) == set(SEXES):
            min_age = {sex: check.num(min_age, sex, prefix="conditions.min_age.", high=120) for sex in SEXES}
        else:
            check.fail(f"conditions.min_age must give both M and F (got {min_age!r})")
    source, confidence = check.provenance(body)
    return Benefit(code=str(code), name=check.names(body.get("name"), limit=True), schemes=tuple(schemes), sex=sex,
                   min_months=min_months, window_months=window, min_age=min_age, source=source, confidence=confidence)


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

    def provenance(self, body: dict[str, Any]) -> tuple[str, str]:
        source, confidence = body.get("source"), body.get("confidence")
        if not isinstance(source, str) or not source.strip():
            self.fail("source is required (the legal text or document the figures come from)")
        if confidence != "confirmed" and not (isinstance(confidence, str) and confidence.startswith("unconfirmed: ")
                                              and confidence.removeprefix("unconfirmed: ").strip()):
            self.fail("confidence must be 'confirmed' or 'unconfirmed: <what to check>'")
        return str(source or "").strip(), str(confidence or "")
