"""A draft as the phone beside the editor runs it, problems and all.

The service refuses a definition with any error; staff trying a draft need the opposite: see how
it pages and reads while it is still wrong. So here a screen that cannot be built shows what is
wrong with it and ends the session; a link to a screen that does not exist ends there, saying
so; a text missing a language shows the other one, marked. Nothing here is ever served to a
member: only the simulator loads definitions this way.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ussd_app.engine.actions import Actions
from ussd_app.engine.loader import load_text, migrate, read_yaml
from ussd_app.engine.model import LANGUAGES, Definition, DefinitionError, Node, Problem
from ussd_app.engine.nodes import KINDS
from ussd_app.engine.nodes.message import EndNode
from ussd_app.engine.validation import REQUIRED_MESSAGES
from ussd_app.publishing.texts import LANGS, is_text

MARK = "⚠"
FALLBACK_MESSAGES = {  # for a draft that lost a message every screen needs
    "invalid_choice": {"lo": "ເລືອກບໍ່ຖືກ", "en": "Try again"}, "more": {"lo": "98 ຕໍ່ໄປ", "en": "98 More"},
    "back": {"lo": "0 ກັບຄືນ", "en": "0 Back"}, "nav_footer": {"lo": "0 ກັບຄືນ 00 ໜ້າຫຼັກ", "en": "0 Back 00 Home"},
}


@dataclass
class Lenient:
    definition: Definition
    text: str
    actions: Actions

    @cached_property
    def problems(self) -> list[Problem]:
        """As the checks list them (errors and warnings), on the text as it is: the whole check
        runs only when asked (the Texts page measures on every key and never asks)."""
        try:
            return load_text(self.text, self.actions)[1]
        except DefinitionError as exc:
            return exc.problems
        except Exception:  # noqa: BLE001 - the phone runs a draft the checker chokes on, too
            return []

    @property
    def marked(self) -> set[str]:
        return marked(self.problems)


def marked(problems: list[Problem]) -> set[str]:
    """The screens that have a problem of their own (the phone marks them)."""
    return {p.node for p in problems if p.node and p.node not in ("messages", "sms")}


def load_lenient(text: str, actions: Actions, version: str = "draft") -> Lenient:
    """The definition in `text`, runnable whatever its problems; DefinitionError only when
    there is nothing to run (the text is not YAML, or has no screens)."""
    raw = read_yaml(text)
    if not isinstance(raw, dict) or not isinstance(raw.get("nodes"), dict) or not raw["nodes"]:
        raise DefinitionError([Problem("", "there are no screens to run ('nodes' is empty or missing)")])
    raw = migrate(copy.deepcopy(raw))
    languages = tuple(raw.get("languages") or LANGUAGES)
    _fill_languages(raw, languages)
    nodes: dict[str, Node] = {}
    for node_id, node_raw in raw["nodes"].items():
        node_id = str(node_id)
        kind = KINDS.get(node_raw.get("type")) if isinstance(node_raw, dict) else None
        try:
            if kind is None:
                raise ValueError(f"unknown type {node_raw.get('type') if isinstance(node_raw, dict) else None!r}")
            nodes[node_id] = kind.parse(node_id, node_raw).resolve(actions)
        except ValueError as exc:
            nodes[node_id] = _broken(node_id, f"{node_id}: {exc}")
    for node in list(nodes.values()):
        for target in node.targets():
            if target not in nodes:
                nodes[target] = _broken(target, f"the screen {target!r} does not exist")
    messages = {**FALLBACK_MESSAGES, **{str(k): dict(v) for k, v in (raw.get("messages") or {}).items()
                                        if is_text(v)}}
    for key in REQUIRED_MESSAGES:
        messages.setdefault(key, {lang: f"{MARK} {key}" for lang in languages})
    start = str(raw.get("start") or "")
    if start not in nodes:
        start = next(iter(nodes))
    definition = Definition(id=str(raw.get("id") or "menu"), start=start, nodes=nodes, messages=messages,
                            languages=languages, default_language=str(raw.get("default_language") or languages[0]),
                            version=version, spec_version=raw["spec_version"], raw=raw, actions=actions)
    return Lenient(definition, text, actions)


def _broken(node_id: str, why: str) -> EndNode:
    return EndNode(id=node_id, text={lang: f"{MARK} {why}" for lang in LANGS})


def _fill_languages(value: Any, languages: tuple[str, ...]) -> None:
    """Every text gets every language: a missing one shows another, marked."""
    if isinstance(value, dict):
        if is_text(value):
            present = next((value[lang] for lang in languages if value.get(lang, "").strip()), "")
            for lang in languages:
                if not value.get(lang, "").strip():
                    value[lang] = f"{MARK} ({lang}?) {present}"
            return
        for inner in value.values():
            _fill_languages(inner, languages)
    elif isinstance(value, list):
        for inner in value:
            _fill_languages(inner, languages)
