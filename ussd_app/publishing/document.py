"""A menu definition as an editable document: the staff's forms change the YAML text through
ruamel.yaml's round trip, so that what experts wrote in the YAML tab (comments, quotes, order)
survives every form edit, and the YAML tab shows what the forms did."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ussd_app.engine.loader import read_yaml
from ussd_app.engine.model import DefinitionError

Path = tuple[str | int, ...]  # keys from the document's root to a value, e.g. ("nodes", "home", "options", 0)


class NotEditable(ValueError):
    """The text cannot be changed through the forms (it does not read as a definition, or the
    place named is not there); the message says why, in words for staff."""


def round_trip() -> YAML:
    """The ruamel.yaml set-up every change of a menu's text goes through (forms, merges)."""
    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096  # never fold a long Lao line
    rt.indent(mapping=2, sequence=4, offset=2)  # as menus/main.yaml is written
    rt.brace_single_entry_mapping_in_flow_sequence = True  # [digits, {length: [6, 13]}] stays as written
    return rt


def load(text: str) -> CommentedMap:
    """The document, for changing. Read strictly first: what the loader refuses is not edited."""
    try:
        plain = read_yaml(text)
    except DefinitionError as exc:
        raise NotEditable(exc.problems[0].message) from None
    if not isinstance(plain, dict) or not isinstance(plain.get("nodes"), dict):
        raise NotEditable("the menu has no screens to edit ('nodes' is missing): fix it in the YAML tab")
    doc = round_trip().load(text)
    return doc  # type: ignore[no-any-return]


def dump(doc: CommentedMap) -> str:
    out = io.StringIO()
    round_trip().dump(doc, out)
    return out.getvalue()


def get(doc: Any, path: Path) -> Any:
    """The value at `path`, or NotEditable naming the first step that is missing."""
    value = doc
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            raise NotEditable(f"{'/'.join(map(str, path))} is not in this version any more") from None
    return value


def flow_text(text: dict[str, str]) -> CommentedMap:
    """{lo: …, en: …} written on one line, as the menu file writes texts."""
    out = CommentedMap(text)
    out.fa.set_flow_style()
    return out


def flow_list(items: list[Any]) -> CommentedSeq:
    """[a, b] written on one line."""
    out = CommentedSeq(items)
    out.fa.set_flow_style()
    return out


def plain(value: Any) -> Any:
    """The document (or a part of it) as plain dicts, lists and strings, as read_yaml gives them."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return str(value) if isinstance(value, str) else value
