"""Benefit eligibility (pure): the rules file model and loader, and the evaluation of a member against it."""

from ussd_app.benefits.eligibility import BenefitResult, age_on, count_months, evaluate, explain
from ussd_app.benefits.rules import (
    DEFAULT_RULES_PATH,
    Benefit,
    Rules,
    RulesError,
    SchemeRates,
    load_rules,
    parse_rules,
)

__all__ = [
    "DEFAULT_RULES_PATH",
    "Benefit",
    "BenefitResult",
    "Rules",
    "RulesError",
    "SchemeRates",
    "age_on",
    "count_months",
    "evaluate",
    "explain",
    "load_rules",
    "parse_rules",
]
