"""A partner's query, read into a condition on the members table.

- `idtype-value`: {"type": "SSN" | "UIN" | "MOBILE", "value": …}: LSSO's number, the national
  ID, or the phone number on file.
- `predicate`: DCI's list of {expression1, condition, expression2}; the items of the list must
  all hold. An expression is {attribute_name, operator (eq, gt, lt, ge, le, in), attribute_value}.
- `expression`: an ExpTemplate whose value is {"expression": {attribute: {operator: value}, …}},
  every pair to hold (the shape of DCI's IBR examples).

Attributes: age, birth_date, sex, province, district, scheme, status, registered_on. Anything
else is refused with the reason, never guessed at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, not_, or_
from sqlalchemy.sql.elements import ColumnElement

from ussd_app.members.models import Member, MemberStatus, Scheme
from ussd_app.text.phones import InvalidPhone, normalise


class BadQuery(ValueError):
    """The reason code (a DCI SearchStatusReasonCode) and what is wrong, for the partner."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


ID_TYPES = ("SSN", "UIN", "MOBILE")
OPERATORS = ("eq", "gt", "lt", "ge", "le", "in")
SEXES = {"m": "M", "male": "M", "f": "F", "female": "F"}


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age(op: str, value: Any, today: date) -> ColumnElement[bool]:
    """age OP n, as a condition on date_of_birth: someone is n on the day they turn n, up to the eve of n+1."""
    def turned(n: int) -> date:  # born on or before this: at least n years old today
        return _years_before(today, n)

    def at_least(n: int) -> ColumnElement[bool]:
        return Member.date_of_birth <= turned(n)

    def below(n: int) -> ColumnElement[bool]:
        return Member.date_of_birth > turned(n)

    if op == "in":
        return or_(*(and_(at_least(n), below(n + 1)) for n in _ints(value)))
    n = _int(value)
    return {"eq": lambda: and_(at_least(n), below(n + 1)), "ge": lambda: at_least(n), "gt": lambda: at_least(n + 1),
            "le": lambda: below(n + 1), "lt": lambda: below(n)}[op]()


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise BadQuery("rjct.search_criteria.invalid", f"{value!r} is not a whole number")
    return int(value)


def _ints(value: Any) -> list[int]:
    if not isinstance(value, list) or not value:
        raise BadQuery("rjct.search_criteria.invalid", "'in' takes a non-empty list")
    return [_int(v) for v in value]


def _date(value: Any) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise BadQuery("rjct.search_criteria.invalid", f"{value!r} is not a date (YYYY-MM-DD)") from None


def _choice(allowed: dict[str, str]) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        found = allowed.get(str(value).strip().lower())
        if found is None:
            raise BadQuery("rjct.search_criteria.invalid",
                           f"{value!r} is not one of {', '.join(sorted(set(allowed.values())))}")
        return found
    return read


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadQuery("rjct.search_criteria.invalid", f"{value!r} is not a name")
    return " ".join(value.split())


@dataclass(frozen=True)
class Attribute:
    column: Any
    read: Callable[[Any], Any]
    ordered: bool  # gt/lt/ge/le make sense


ATTRIBUTES: dict[str, Attribute] = {
    "birth_date": Attribute(Member.date_of_birth, _date, True),
    "sex": Attribute(Member.sex, _choice(SEXES), False),
    "province": Attribute(Member.province, _text, False),
    "district": Attribute(Member.district, _text, False),
    "scheme": Attribute(Member.scheme, _choice({s.value: s.value for s in Scheme}), False),
    "status": Attribute(Member.status, _choice({s.value: s.value for s in MemberStatus}), False),
    "registered_on": Attribute(Member.registered_on, _date, True),
}
SORTABLE = ("birth_date", "registered_on", "province", "district", "scheme", "status")


def by_identifier(query: Any, region: str) -> ColumnElement[bool]:
    if not isinstance(query, dict) or set(query) - {"type", "value"} or "type" not in query or "value" not in query:
        raise BadQuery("rjct.search_criteria.invalid", "an idtype-value query is {\"type\": …, \"value\": …}")
    kind, value = str(query["type"]).upper(), str(query["value"]).strip()
    if kind not in ID_TYPES:
        raise BadQuery("rjct.search_criteria.invalid", f"identifier type {query['type']!r} is not one of "
                                                      f"{', '.join(ID_TYPES)}")
    if kind == "SSN":
        return Member.ssn == value
    if kind == "UIN":
        return Member.national_id == value.replace(" ", "").replace("-", "").upper()
    try:
        return Member.phone == normalise(value, region)
    except InvalidPhone:
        raise BadQuery("rjct.search_criteria.invalid", "the MOBILE value is not a phone number") from None


def predicate(name: Any, op: Any, value: Any, today: date) -> ColumnElement[bool]:
    if op not in OPERATORS:
        raise BadQuery("rjct.search_criteria.invalid", f"operator {op!r} is not one of {', '.join(OPERATORS)}")
    if name == "age":
        return _age(op, value, today)
    attribute = ATTRIBUTES.get(name)
    if attribute is None:
        known = ", ".join(["age", *ATTRIBUTES])
        raise BadQuery("rjct.search_criteria.invalid", f"LSSO's records have no attribute {name!r} (they have: "
                                                      f"{known})")
    if op == "in":
        if not isinstance(value, list) or not value:
            raise BadQuery("rjct.search_criteria.invalid", "'in' takes a non-empty list")
        found: ColumnElement[bool] = attribute.column.in_([attribute.read(v) for v in value])
        return found
    if op != "eq" and not attribute.ordered:
        raise BadQuery("rjct.search_criteria.invalid", f"{name} can only be compared with eq or in")
    read = attribute.read(value)
    column = attribute.column
    compared: ColumnElement[bool] = {"eq": column == read, "gt": column > read, "lt": column < read,
                                     "ge": column >= read, "le": column <= read}[op]
    return compared


def _expression(raw: Any, today: date) -> ColumnElement[bool]:
    if not isinstance(raw, dict):
        raise BadQuery("rjct.search_criteria.invalid", "an expression is {attribute_name, operator, attribute_value}")
    return predicate(raw.get("attribute_name"), raw.get("operator"), raw.get("attribute_value"), today)


def by_predicates(query: Any, today: date) -> ColumnElement[bool]:
    if not isinstance(query, list) or not query:
        raise BadQuery("rjct.search_criteria.invalid", "a predicate query is a non-empty list")
    parts = []
    for item in sorted(query, key=lambda i: i.get("seq_num", 0) if isinstance(i, dict) else 0):
        if not isinstance(item, dict) or "expression1" not in item:
            raise BadQuery("rjct.search_criteria.invalid", "each predicate needs expression1")
        first = _expression(item["expression1"], today)
        condition = item.get("condition")
        if condition is None:
            parts.append(first)
            continue
        if condition not in ("and", "or", "not"):
            raise BadQuery("rjct.search_criteria.invalid", f"condition {condition!r} is not and, or or not")
        if "expression2" not in item:
            if condition != "not":
                raise BadQuery("rjct.search_criteria.invalid", f"condition {condition!r} needs expression2")
            parts.append(not_(first))
            continue
        second = _expression(item["expression2"], today)
        combined = {"and": and_(first, second), "or": or_(first, second), "not": and_(first, not_(second))}
        parts.append(combined[condition])
    return and_(*parts)


def by_expression(query: Any, today: date) -> ColumnElement[bool]:
    expression = query.get("value", {}).get("expression") if isinstance(query, dict) else None
    if not isinstance(expression, dict) or not expression:
        raise BadQuery("rjct.search_criteria.invalid", "an expression query is "
                       "{\"type\": …, \"value\": {\"expression\": {attribute: {operator: value}}}}")
    parts = []
    for name, comparison in expression.items():
        if not isinstance(comparison, dict) or len(comparison) != 1:
            raise BadQuery("rjct.search_criteria.invalid", f"{name}: give one {{operator: value}}")
        ((op, value),) = comparison.items()
        parts.append(predicate(name, op, value, today))
    return and_(*parts)


def condition(query_type: Any, query: Any, today: date, region: str) -> ColumnElement[bool]:
    if query_type == "idtype-value":
        return by_identifier(query, region)
    if query_type == "predicate":
        return by_predicates(query, today)
    if query_type == "expression":
        return by_expression(query, today)
    raise BadQuery("rjct.search_criteria.invalid", f"query_type {query_type!r} is not idtype-value, expression "
                                                  "or predicate")
