"""Every text a member can see in a menu definition, listed once, with every place it is used and
how big each screen it appears on is.

A text is a `{lo: …, en: …}` mapping anywhere in a screen (its title, an option's label, an error
line, a notice), a shared message (`messages`), or an SMS (`sms`, over the templates the service
ships). The same words used in several places are one entry: changing it changes every place,
so a label repeated in two menus is changed once.

Sizes come from the engine itself: the screen is rebuilt with the text as typed and measured
with sample values, as the checks do; so "78/80" on the Texts page is what the phone will show.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from sms.segments import PER_PART, SINGLE
from sms.segments import count as sms_count
from ussd_app.engine.model import LANGUAGES, Definition, Node
from ussd_app.engine.nodes import KINDS
from ussd_app.engine.render import BUDGET, fits_one_page
from ussd_app.engine.text import fill
from ussd_app.engine.validation import MESSAGE_SAMPLES, PROMPT_NOTICES, sample_ctx, sample_screen, screen_size
from ussd_app.publishing import document
from ussd_app.publishing.document import NotEditable, Path
from ussd_app.text.encoding import measure

LANGS = LANGUAGES
_NOT_TEXT = {"type", "to", "next", "action", "save_as", "from", "value", "validate", "when", "default", "args"}


@dataclass(frozen=True)
class Place:
    path: Path  # where the text is in the document
    screen: str  # the node's id, "messages" or "sms"
    field: str  # in words: "title", "option 2", "error line", a message's key, an SMS kind

    @property
    def key(self) -> str:
        return "/".join(str(step) for step in self.path)


@dataclass
class Entry:
    text: dict[str, str]
    places: list[Place] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.places[0].key

    @property
    def screens(self) -> list[str]:
        return list(dict.fromkeys(p.screen for p in self.places))


@dataclass(frozen=True)
class Size:
    """One screen (or SMS) a text appears on, in one language, with the text as typed."""

    place: Place
    lang: str
    length: int
    budget: int
    encoding: str
    pages: int = 1
    paged_by_design: bool = False  # a list, or an action's result: more pages are fine
    sms_parts: int = 0  # an SMS: the parts it takes, of at most `budget` characters in all
    on: str = ""  # a shared message: the screen it was measured on (its tightest)
    warn_only: bool = False  # over budget there pages the screen: worth a look, not a fault

    @property
    def over(self) -> int:
        return 0 if self.paged_by_design else max(0, self.length - self.budget)

    @property
    def left(self) -> int:
        return self.budget - self.length

    def as_dict(self) -> dict[str, Any]:
        return {"place": self.place.key, "screen": self.place.screen, "field": self.place.field,
                "lang": self.lang, "length": self.length, "budget": self.budget, "left": self.left,
                "over": self.over, "pages": self.pages, "paged": self.paged_by_design,
                "encoding": self.encoding, "sms_parts": self.sms_parts, "on": self.on,
                "warn_only": self.warn_only}


def is_text(value: Any) -> bool:
    return (isinstance(value, Mapping) and bool(value) and set(value) <= set(LANGS)
            and all(isinstance(v, str) for v in value.values()))


def catalogue(raw: Mapping[str, Any], sms: Mapping[str, Mapping[str, str]] | None = None) -> list[Entry]:
    """Every text of the definition `raw` (plain YAML data), screens in document order, then the
    shared messages, then the SMS (`sms`: the shipped templates, under the definition's own)."""
    found: list[tuple[Place, dict[str, str]]] = []
    nodes = raw.get("nodes") if isinstance(raw.get("nodes"), Mapping) else {}
    for node_id, node in (nodes or {}).items():
        for path, text in texts_in(node, ("nodes", str(node_id))):
            found.append((Place(path, str(node_id), field_name(path[2:])), text))
    messages = raw.get("messages") if isinstance(raw.get("messages"), Mapping) else {}
    for key, text in (messages or {}).items():
        if is_text(text):
            found.append((Place(("messages", str(key)), "messages", str(key)), dict(text)))
    own_sms = raw.get("sms") if isinstance(raw.get("sms"), Mapping) else {}
    for kind, text in {**(sms or {}), **(own_sms or {})}.items():
        if is_text(text):
            found.append((Place(("sms", str(kind)), "sms", str(kind)), dict(text)))
    entries: dict[tuple[tuple[str, str], ...], Entry] = {}
    for place, text in found:
        same = tuple(sorted(text.items()))
        entries.setdefault(same, Entry(dict(text))).places.append(place)
    return list(entries.values())


def texts_in(value: Any, path: Path = ()) -> Iterator[tuple[Path, dict[str, str]]]:
    """Every text inside `value` (a screen, say), with its path from `path`."""
    if is_text(value):
        yield path, dict(value)
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            if key not in _NOT_TEXT:
                yield from texts_in(inner, (*path, str(key)))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from texts_in(inner, (*path, i))


def field_name(sub: Path) -> str:
    """A text's place inside its screen, in words (what the forms and the problems call it)."""
    if sub == ("text",):
        return "title"
    if len(sub) == 3 and sub[0] in ("options", "choices") and isinstance(sub[1], int):
        return f"{'option' if sub[0] == 'options' else 'choice'} {sub[1] + 1}"
    if sub == ("error",):
        return "error line"
    if len(sub) == 3 and sub[0] == "outcomes" and sub[2] == "notice":
        return f"notice ({sub[1]})"
    return " ".join(str(s + 1) if isinstance(s, int) else s for s in sub)


def find(entries: list[Entry], key: str) -> Entry | None:
    return next((e for e in entries if any(p.key == key for p in e.places)), None)


# ---- sizes ------------------------------------------------------------------------------------

def sizes(definition: Definition, entry: Entry, text: Mapping[str, str],
          sms_limits: Mapping[str, int] | None = None) -> list[Size]:
    """The size of every screen `entry` appears on, in every language, with `text` in its place."""
    out: list[Size] = []
    for place in entry.places:
        for lang in LANGS:
            out += _place_sizes(definition, place, lang, dict(text), sms_limits or {})
    return out


def _place_sizes(definition: Definition, place: Place, lang: str, text: dict[str, str],
                 sms_limits: Mapping[str, int]) -> list[Size]:
    typed = text.get(lang, "")
    if place.screen == "sms":
        parts = sms_count(typed)
        limit = sms_limits.get(place.field, 3)
        budget = SINGLE[parts.encoding] if limit == 1 else PER_PART[parts.encoding] * limit
        return [Size(place, lang, parts.length, budget, parts.encoding, sms_parts=parts.parts)]
    if place.screen == "messages":
        return [_message_size(definition, place, lang, typed)]
    node = _with_text(definition, place, text)
    if node is None:
        return []
    changed = replace(definition, nodes={**definition.nodes, node.id: node})
    try:
        size = screen_size(changed, node, lang)
    except (KeyError, ValueError, IndexError):
        return []  # a screen that cannot be built: its own problems say why
    if size is None:
        return []
    return [Size(place, lang, size.length, size.budget, size.encoding, size.pages, size.paged_by_design)]


def _with_text(definition: Definition, place: Place, text: dict[str, str]) -> Node | None:
    raw_node = (definition.raw.get("nodes") or {}).get(place.screen)
    if not isinstance(raw_node, Mapping) or not isinstance(raw_node.get("type"), str):
        return None
    raw_node = copy.deepcopy(dict(raw_node))
    target: Any = raw_node
    for step in place.path[2:-1]:
        target = target[step]
    target[place.path[-1]] = text
    kind = KINDS.get(raw_node["type"])
    if kind is None:
        return None
    try:
        return kind.parse(place.screen, raw_node).resolve(definition.actions)  # type: ignore[arg-type]
    except ValueError:
        return None


def _message_size(definition: Definition, place: Place, lang: str, typed: str) -> Size:
    """A shared message, on the tightest screen it appears on: an error line above a prompt (as
    the checks measure it), "try again" above a screen or in its title's place (as the engine
    shows it); otherwise on a screen of its own."""
    key = place.field
    try:
        filled = fill(typed, MESSAGE_SAMPLES, lang)
    except (ValueError, IndexError, KeyError):
        filled = typed  # a template half typed: measured as it is
    worst, on, warn_only = filled, "", False
    prompts = [kind for kind, notices in PROMPT_NOTICES.items() if key in notices]
    for node in definition.nodes.values():
        retries = key == "invalid_choice" and node.TYPE in ("menu", "pick")
        if node.TYPE not in prompts and not retries:
            continue
        try:
            screen = sample_screen(definition, node, lang, sample_ctx(definition, lang))
        except (KeyError, ValueError, IndexError):
            continue
        if screen is None:
            continue
        footer = [screen.footer] if screen.footer else []
        if retries:
            # Where the screen has room, the line goes above it; on a full one it takes the
            # title's place (as the engine shows it) and must fit there, or the options page.
            if len(screen.lines) < 2 or not fits_one_page(screen.lines, screen.footer) \
                    or fits_one_page([filled, *screen.lines], screen.footer):
                continue
            lines = [filled, *screen.lines[1:]]
        else:
            lines = [filled, *screen.lines]
        candidate = "\n".join([*lines, *footer])
        if _over(candidate) > _over(worst):
            worst, on, warn_only = candidate, node.id, retries
    encoding, length = measure(worst)
    return Size(place, lang, length, BUDGET[encoding], encoding, on=on, warn_only=warn_only)


def _over(text: str) -> int:
    encoding, length = measure(text)
    return length - BUDGET[encoding]


# ---- changing ---------------------------------------------------------------------------------

class Stale(NotEditable):
    """The text was changed by someone else after the page was opened."""


def set_text(yaml_text: str, entry_key: str, was: Mapping[str, str] | None, new: Mapping[str, str],
             sms_defaults: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The definition with the text of entry `entry_key` (every place it is used) set to `new`.
    `was`: the text as the editor saw it; if the document says otherwise now, Stale."""
    doc = document.load(yaml_text)
    entry = find(catalogue(document.plain(doc), sms_defaults), entry_key)
    if entry is None:
        raise NotEditable(f"there is no text at {entry_key} in this version any more")
    if was is not None and {k: v for k, v in was.items() if v} != {k: v for k, v in entry.text.items() if v}:
        raise Stale("this text was changed by someone else after you opened the page: reload it, then try again")
    for place in entry.places:
        if place.path[0] == "sms" and "sms" not in doc:
            doc["sms"] = CommentedMap()
        parent = document.get(doc, place.path[:-1])
        current = parent.get(place.path[-1]) if isinstance(parent, Mapping) else parent[place.path[-1]]
        if isinstance(current, CommentedMap):
            for lang in LANGS:
                current[lang] = DoubleQuotedScalarString(new.get(lang, ""))
        else:
            parent[place.path[-1]] = document.flow_text(
                {lang: DoubleQuotedScalarString(new.get(lang, "")) for lang in LANGS})
    return document.dump(doc)
