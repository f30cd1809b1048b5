"""Three-way merge of menu definitions, node by node: a draft made from an older version is
brought up to date with what was published since, so that no published change is lost.

A definition is cut into units: each node (`nodes.<id>`), each message (`messages.<key>`), and
each other top-level setting. For each unit, what only one side changed is taken from that
side; a unit both sides changed differently is a conflict, and the editor chooses ("mine" or
"live") for it. The draft's own text, comments included, is kept wherever it wins (ruamel.yaml
round-trips it); units taken from the live version come with the live version's text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from ussd_app.engine.loader import read_yaml
from ussd_app.engine.model import DefinitionError
from ussd_app.publishing.document import round_trip

_ABSENT: Any = object()
SECTIONS = ("nodes", "messages")  # mappings merged entry by entry


class CannotMerge(ValueError):
    """One of the texts is not a readable definition: fix the draft first, or copy by hand."""


@dataclass
class Merge:
    text: str  # the draft brought up to date (conflicts resolved as chosen, the draft's by default)
    live_changed: list[str] = field(default_factory=list)  # units the live version changed since the base
    taken_from_live: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # units both changed differently


def merge(base: str, live: str, draft: str, choices: dict[str, str] | None = None) -> Merge:
    """`choices`: unit -> "mine" | "live" for conflicting units (default: mine)."""
    choices = choices or {}
    b, l_, d = (_units(_plain(t)) for t in (base, live, draft))
    result = Merge(text="")
    take: dict[str, Any] = {}  # unit -> the live value to put in the draft (_ABSENT: remove it)
    for unit in sorted(set(b) | set(l_) | set(d)):
        was, theirs, mine = b.get(unit, _ABSENT), l_.get(unit, _ABSENT), d.get(unit, _ABSENT)
        if theirs == was:
            continue  # the live version did not touch it: the draft's stands
        result.live_changed.append(unit)
        if mine == was or mine == theirs:
            take[unit] = theirs
        else:
            result.conflicts.append(unit)
            if choices.get(unit) == "live":
                take[unit] = theirs
    result.taken_from_live = sorted(u for u in take if d.get(u, _ABSENT) != take[u])
    result.text = _apply(draft, live, take) if result.taken_from_live else draft
    return result


def _plain(text: str) -> dict[str, Any]:
    try:
        raw = read_yaml(text)  # strictly: a text the loader refuses is not handed to ruamel either
    except DefinitionError as exc:
        raise CannotMerge(exc.problems[0].message) from None
    if not isinstance(raw, dict):
        raise CannotMerge("a menu definition is a YAML mapping")
    return raw


def _units(raw: dict[str, Any]) -> dict[str, Any]:
    units: dict[str, Any] = {}
    for key, value in raw.items():
        if key in SECTIONS and isinstance(value, dict):
            units.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            units[str(key)] = value
    return units


def _apply(draft: str, live: str, take: dict[str, Any]) -> str:
    rt = round_trip()
    mine, theirs = rt.load(draft), rt.load(live)
    for unit, value in take.items():
        section, _, key = unit.partition(".")
        if key and section in SECTIONS:
            target, source = mine.setdefault(section, {}), theirs.get(section, {})
        else:
            target, source, key = mine, theirs, unit
        if value is _ABSENT:
            target.pop(key, None)
        else:
            target[key] = source[key]
    out = io.StringIO()
    rt.dump(mine, out)
    return out.getvalue()
