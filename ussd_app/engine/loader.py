"""Load a menu definition from YAML: migrate older spec versions, build the nodes, validate.

A definition with any error is refused with every problem listed, each naming its node.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ussd_app.engine.actions import Actions
from ussd_app.engine.model import LANGUAGES, SPEC_VERSION, Definition, DefinitionError, Node, Problem
from ussd_app.engine.nodes import KINDS
from ussd_app.engine.validation import validate

# spec_version N -> function turning an N document into an N+1 document. One per version.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}

# Spec 2: a new session of a phone whose last one dropped asks whether to continue it. The three
# texts it needs, for definitions written before (versions kept in the database among them).
RESUME_MESSAGES = {
    "resume_question": {"lo": "ຄັ້ງກ່ອນສາຍຫຼຸດ", "en": "Your last session was cut off"},
    "resume_continue": {"lo": "ເຮັດຕໍ່ຈາກບ່ອນທີ່ຄ້າງໄວ້", "en": "Continue where you left off"},
    "resume_restart": {"lo": "ເລີ່ມໃໝ່", "en": "Start again"},
}


def _to_spec_2(raw: dict[str, Any]) -> dict[str, Any]:
    messages = raw.get("messages")
    if isinstance(messages, dict):
        raw["messages"] = {**{k: dict(v) for k, v in RESUME_MESSAGES.items()}, **messages}
    return raw


MIGRATIONS[1] = _to_spec_2


def migrate(raw: dict[str, Any]) -> dict[str, Any]:
    version = raw.get("spec_version")
    if not isinstance(version, int):
        raise DefinitionError([Problem("", "'spec_version' is required (an integer)")])
    if version > SPEC_VERSION:
        raise DefinitionError([Problem("", f"spec_version {version} is newer than this engine ({SPEC_VERSION})")])
    while version < SPEC_VERSION:
        if version not in MIGRATIONS:
            raise DefinitionError([Problem("", f"no migration from spec_version {version}")])
        raw = MIGRATIONS[version](dict(raw))
        version += 1
        raw["spec_version"] = version
    return raw


def parse_definition(raw: Any, actions: Actions, *, version: str = "1",
                     source: str = "") -> tuple[Definition, list[Problem]]:
    """Build and check a definition, its action nodes resolved against `actions`. Returns it with
    its warnings; raises DefinitionError on errors."""
    if not isinstance(raw, dict):
        raise DefinitionError([Problem("", "a menu definition is a YAML mapping")], source)
    raw = migrate(raw)
    problems: list[Problem] = []
    nodes: dict[str, Node] = {}
    raw_nodes = raw.get("nodes")
    if not isinstance(raw_nodes, dict) or not raw_nodes:
        raise DefinitionError([Problem("", "'nodes' must map node ids to nodes")], source)
    for node_id, node_raw in raw_nodes.items():
        node_id = str(node_id)
        if not isinstance(node_raw, dict):
            problems.append(Problem(node_id, "a node is a mapping with a 'type'"))
            continue
        node_type = node_raw.get("type")
        kind = KINDS.get(node_type) if isinstance(node_type, str) else None
        if kind is None:
            known = ", ".join(sorted(KINDS))
            problems.append(Problem(node_id, f"unknown type {node_raw.get('type')!r} (known: {known})"))
            continue
        try:
            nodes[node_id] = kind.parse(node_id, node_raw).resolve(actions)
        except ValueError as exc:
            problems.append(Problem(node_id, str(exc)))
    messages = raw.get("messages") or {}
    if not isinstance(messages, dict):
        problems.append(Problem("messages", "'messages' must map keys to {lo, en} texts"))
        messages = {}
    texts: dict[str, dict[str, str]] = {}
    for key, text in messages.items():
        if not isinstance(text, dict) or not all(isinstance(v, str) for v in text.values()):
            problems.append(Problem("messages", f"{key}: a message is {{lo: text, en: text}}"))
            text = {}
        texts[str(key)] = {str(lang): v for lang, v in text.items()}
    languages = raw.get("languages") or LANGUAGES
    if not isinstance(languages, (list, tuple)) or not all(isinstance(lang, str) for lang in languages):
        raise DefinitionError(problems + [Problem("", "'languages' must list language codes, e.g. [lo, en]")],
                              source)
    languages = tuple(languages)
    definition = Definition(
        id=str(raw.get("id") or "menu"),
        start=str(raw.get("start") or ""),
        nodes=nodes,
        messages=texts,
        languages=languages,
        default_language=str(raw.get("default_language") or languages[0]),
        version=str(version),
        spec_version=raw["spec_version"],
        raw=raw,
        actions=actions,
    )
    problems += validate(definition, parsed_ids=set(raw_nodes))
    if any(p.level == "error" for p in problems):
        raise DefinitionError(problems, source)
    return definition, problems


MAX_BYTES = 256 * 1024  # main.yaml is about 15 kB
MAX_DEPTH = 20  # mappings and lists nested deeper than this are no menu
MAX_NODES = 1000


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases (a 500-byte alias bomb expands to gigabytes) and
    without deep nesting (which exhausts the stack)."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML has no annotations here
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(None, None, "anchors and aliases (&name, *name) are not allowed",
                                              event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep",
                                                  event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def read_yaml(text: str, source: str = "") -> Any:
    """The YAML document, read strictly (no anchors or aliases, bounded size and depth)."""
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise DefinitionError([Problem("", f"the definition is {size:,} bytes, over the limit of {MAX_BYTES:,}")],
                              source)
    try:
        raw = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader, stricter still
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DefinitionError([Problem("", f"not valid YAML{where}: {getattr(exc, 'problem', exc)}")], source) from None
    return raw


def load_text(text: str, actions: Actions, *, version: str = "1", source: str = "") -> tuple[Definition, list[Problem]]:
    raw = read_yaml(text, source)
    if isinstance(raw, dict) and isinstance(raw.get("nodes"), dict) and len(raw["nodes"]) > MAX_NODES:
        raise DefinitionError([Problem("", f"more than {MAX_NODES} nodes")], source)
    return parse_definition(raw, actions, version=version, source=source)


def load_file(path: str | Path, actions: Actions, *, version: str = "1") -> Definition:
    path = Path(path)
    definition, _warnings = load_text(path.read_text(encoding="utf-8"), actions, version=version, source=str(path))
    return definition
