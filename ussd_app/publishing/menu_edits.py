"""Menus edited in forms: the outline of a definition, and the changes a screen's form makes.

Every change takes the YAML text and gives the YAML text back (document.py keeps comments and
layout), so the forms and the YAML tab are two views of one draft. Fields travel in a flat form:
`text:<path>:<lang>` for a text, `link:<path>` for where something leads, `<name>` for a field
of the screen itself; a path is the keys inside the screen joined by "/" (`options/2/to`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from ussd_app.engine.actions import Actions
from ussd_app.publishing import document
from ussd_app.publishing.document import NotEditable, Path
from ussd_app.publishing.problems import N_
from ussd_app.publishing.texts import LANGS, field_name, is_text, texts_in

NEW_KINDS = ("menu", "message", "end", "input", "action")  # what staff may add from the forms
VALIDATORS = {  # what an input screen may check, in words (N_: translated by the console), and how the menu writes it
    "digits": (N_("numbers only"), ["digits"]),
    "date": (N_("a date, DDMMYYYY"), [{"date": "DDMMYYYY"}]),
    "phone": (N_("a phone number"), ["phone"]),
    "latin_name": (N_("a name in Latin letters (1 skips it)"), [{"latin_name": "1"}]),
    "any": (N_("anything"), []),
}
NODE_ID = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass(frozen=True)
class Link:
    path: Path  # inside the screen, e.g. ("options", 1, "to") or ("next",)
    field: str  # in words: "option 2", "next", "outcome locked", "route 1", "otherwise"
    to: str

    @property
    def key(self) -> str:
        return "/".join(str(p) for p in self.path)


@dataclass
class Screen:
    id: str
    type: str
    title: dict[str, str]
    options: list[tuple[int, dict[str, str], str]] = field(default_factory=list)  # (number, label, to)
    links: list[Link] = field(default_factory=list)
    texts: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)  # (path key, field, text)
    leads_here: list[tuple[str, str]] = field(default_factory=list)  # (screen, field) of links to it

    def name(self, lang: str = "en") -> str:
        """What staff call the screen: its title's first line, else its id."""
        first = (self.title.get(lang) or self.title.get("en") or "").split("\n")[0].strip()
        return first or self.id


def links_of(node: Mapping[str, Any]) -> list[Link]:
    """Everywhere a screen leads, with the words the forms use."""
    out: list[Link] = []
    for i, option in enumerate(node.get("options") or []):
        if isinstance(option, Mapping) and isinstance(option.get("to"), str):
            out.append(Link(("options", i, "to"), f"option {i + 1}", option["to"]))
    if isinstance(node.get("next"), str):
        out.append(Link(("next",), "next", node["next"]))
    for outcome, target in (node.get("outcomes") or {}).items() if isinstance(node.get("outcomes"), Mapping) else []:
        if isinstance(target, str):
            out.append(Link(("outcomes", str(outcome)), f"outcome {outcome}", target))
        elif isinstance(target, Mapping) and isinstance(target.get("to"), str):
            out.append(Link(("outcomes", str(outcome), "to"), f"outcome {outcome}", target["to"]))
    for i, route in enumerate(node.get("routes") or []):
        if isinstance(route, Mapping) and isinstance(route.get("to"), str):
            out.append(Link(("routes", i, "to"), f"route {i + 1}", route["to"]))
    if isinstance(node.get("default"), str):
        out.append(Link(("default",), "otherwise", node["default"]))
    return out


def outline(raw: Mapping[str, Any]) -> list[Screen]:
    """Each screen with its options, where each leads, and what leads to it; in document order."""
    nodes = raw.get("nodes") if isinstance(raw.get("nodes"), Mapping) else {}
    screens: dict[str, Screen] = {}
    for node_id, node in (nodes or {}).items():
        node = node if isinstance(node, Mapping) else {}
        title = dict(node["text"]) if is_text(node.get("text")) else {}
        screen = Screen(str(node_id), str(node.get("type") or "?"), title, links=links_of(node))
        for i, option in enumerate(node.get("options") or []):
            if isinstance(option, Mapping):
                label = dict(option["label"]) if is_text(option.get("label")) else {}
                screen.options.append((i + 1, label, str(option.get("to") or "")))
        screen.texts = [("/".join(map(str, path)), field_name(path), text) for path, text in texts_in(node)]
        screens[screen.id] = screen
    for screen in screens.values():
        for link in screen.links:
            if link.to in screens:
                screens[link.to].leads_here.append((screen.id, link.field))
    start = raw.get("start")
    if isinstance(start, str) and start in screens:
        screens[start].leads_here.insert(0, ("", "start"))
    return list(screens.values())


def _path(key: str) -> Path:
    return tuple(int(p) if p.isdigit() else p for p in key.split("/") if p)


def _node(doc: CommentedMap, node_id: str) -> CommentedMap:
    node = doc["nodes"].get(node_id)
    if not isinstance(node, CommentedMap):
        raise NotEditable(f"there is no screen {node_id!r} in this version (it was deleted or renamed)")
    return node


def _set(node: CommentedMap, path: Path, value: Any) -> None:
    parent = document.get(node, path[:-1]) if len(path) > 1 else node
    parent[path[-1]] = value


def _text(value: Mapping[str, str]) -> CommentedMap:
    return document.flow_text({lang: DoubleQuotedScalarString(value.get(lang, "").strip()) for lang in LANGS})


def _posted_text(form: Mapping[str, str], prefix: str) -> dict[str, str] | None:
    if not any(f"{prefix}:{lang}" in form for lang in LANGS):
        return None
    return {lang: str(form.get(f"{prefix}:{lang}", "")).replace("\r\n", "\n").strip() for lang in LANGS}


def apply_screen_form(text: str, node_id: str, form: Mapping[str, str], actions: Actions | None = None) -> str:
    """The draft with the fields of a screen's form written into that screen, then the form's
    button done (`do`: save, add_option, remove:N, up:N, down:N; N counts from 1)."""
    doc = document.load(text)
    node = _node(doc, node_id)
    for key in form:
        if key.startswith("text:") and key.endswith(":lo"):
            path_key = key[len("text:"):-len(":lo")]
            posted = _posted_text(form, f"text:{path_key}")
            if posted is not None:
                _set(node, _path(path_key), _text(posted))
        elif key.startswith("link:"):
            target = str(form[key]).strip()
            if target:
                _set(node, _path(key[len("link:"):]), target)
    if "validate" in form and node.get("type") == "input":
        _set_validators(node, form)
    if "action" in form and node.get("type") == "action":
        name = str(form["action"]).strip()
        if actions is not None and name not in actions:
            raise NotEditable(f"there is no action {name!r}: choose one from the list")
        node["action"] = name
    do = str(form.get("do") or "save")
    if do == "add_option":
        label = _posted_text(form, "new_option") or {}
        target = str(form.get("new_option_to") or "").strip()
        if not any(label.values()) or not target:
            raise NotEditable("a new option needs its label (Lao and English) and the screen it leads to")
        options = node.get("options")
        if not isinstance(options, CommentedSeq):
            options = node["options"] = CommentedSeq()
        options.append(CommentedMap([("label", _text(label)), ("to", target)]))
    elif ":" in do:
        verb, _, number = do.partition(":")
        options = node.get("options")
        if not isinstance(options, CommentedSeq) or not number.isdigit() or not 1 <= int(number) <= len(options):
            raise NotEditable("that option is not on this screen any more: reload the page")
        i = int(number) - 1
        if verb == "remove":
            if len(options) == 1 and node.get("type") == "menu":
                raise NotEditable("a menu needs at least one option: add another before removing this one")
            del options[i]
        elif verb in ("up", "down"):
            j = i - 1 if verb == "up" else i + 1
            if 0 <= j < len(options):
                options[i], options[j] = options[j], options[i]
        else:
            raise NotEditable(f"unknown button {do!r}")
    elif do != "save":
        raise NotEditable(f"unknown button {do!r}")
    return document.dump(doc)


def _set_validators(node: CommentedMap, form: Mapping[str, str]) -> None:
    choice = str(form.get("validate") or "any")
    if choice not in VALIDATORS:
        raise NotEditable(f"unknown check {choice!r}: choose one from the list")
    checks: list[Any] = list(VALIDATORS[choice][1])
    low, high = str(form.get("length_min") or "").strip(), str(form.get("length_max") or "").strip()
    if low or high:
        if not (low.isdigit() and high.isdigit()) or int(low) > int(high):
            raise NotEditable("the length is two numbers, the smallest first (e.g. 6 and 13)")
        checks.append(CommentedMap([("length", document.flow_list([int(low), int(high)]))]))
    node["validate"] = document.flow_list(checks)
    save_as = str(form.get("save_as") or "").strip()
    if save_as:
        if not save_as.isidentifier():
            raise NotEditable("the name the answer is kept under is one word of letters, digits and _")
        node["save_as"] = save_as


def validator_choice(node: Mapping[str, Any]) -> tuple[str, str, str]:
    """(check, length min, length max) of an input screen, as its form shows them."""
    checks = list(node.get("validate") or [])
    low = high = ""
    rest = []
    for check in checks:
        if isinstance(check, Mapping) and "length" in check:
            arg = check["length"]
            low, high = (str(arg), str(arg)) if isinstance(arg, int) else (str(arg[0]), str(arg[1]))
        else:
            rest.append(check)
    for name, (_words, spec) in VALIDATORS.items():
        if document.plain(spec) == document.plain(rest):
            return name, low, high
    return ("custom" if rest else "any"), low, high


def add_screen(text: str, node_id: str, kind: str, form: Mapping[str, str], actions: Actions | None = None) -> str:
    """The draft with a new screen of `kind`; with `from_menu`, an option on that menu leads to it."""
    if kind not in NEW_KINDS:
        raise NotEditable(f"a new screen is one of: {', '.join(NEW_KINDS)}")
    if not NODE_ID.match(node_id):
        raise NotEditable("the screen's name is 2 to 40 small letters, digits and _, starting with a letter "
                          "(e.g. office_hours)")
    doc = document.load(text)
    if node_id in doc["nodes"]:
        raise NotEditable(f"there is already a screen called {node_id!r}: choose another name")
    title = _posted_text(form, "title") or {}
    node = CommentedMap([("type", kind)])
    if kind != "action" or any(title.values()):
        if not all(title.get(lang) for lang in LANGS):
            raise NotEditable("the new screen needs its text in Lao and in English")
        node["text"] = _text(title)
    if kind == "menu":
        label, target = _posted_text(form, "option") or {}, str(form.get("option_to") or "").strip()
        if not all(label.get(lang) for lang in LANGS) or not target:
            raise NotEditable("a new menu needs its first option: the label in Lao and English, and where it leads")
        node["options"] = CommentedSeq([CommentedMap([("label", _text(label)), ("to", target)])])
    if kind == "input":
        node["validate"] = document.flow_list([])
        node["save_as"] = str(form.get("save_as") or node_id)
        node["next"] = str(form.get("next") or "").strip()
        _set_validators(node, form)
        if not node["next"]:
            raise NotEditable("an input screen needs the screen that comes after it")
    if kind == "action":
        name = str(form.get("action") or "").strip()
        if actions is not None and name not in actions:
            raise NotEditable("choose the action from the list")
        node["action"] = name
        if form.get("next"):
            node["next"] = str(form["next"]).strip()
    doc["nodes"][node_id] = node
    menu = str(form.get("from_menu") or "").strip()
    if menu:
        parent = _node(doc, menu)
        label = _posted_text(form, "from_label") or {}
        if not all(label.get(lang) for lang in LANGS):
            raise NotEditable(f"the option on {menu!r} that leads to the new screen needs its label in Lao and English")
        options = parent.get("options")
        if not isinstance(options, CommentedSeq):
            raise NotEditable(f"{menu!r} has no options to add one to")
        options.append(CommentedMap([("label", _text(label)), ("to", node_id)]))
    return document.dump(doc)


def delete_screen(text: str, node_id: str, retarget: str = "") -> str:
    """The draft without the screen; what led to it leads to `retarget` (or nowhere: the check
    then names each link left broken)."""
    doc = document.load(text)
    _node(doc, node_id)
    if retarget == node_id:
        raise NotEditable("what led to the screen cannot lead to it once it is deleted: choose another")
    if retarget and retarget not in doc["nodes"]:
        raise NotEditable(f"there is no screen {retarget!r} to send those links to")
    if doc.get("start") == node_id:
        if not retarget:
            raise NotEditable("this is the first screen members see: choose the screen that takes its place")
        doc["start"] = retarget
    del doc["nodes"][node_id]
    if retarget:
        for other in doc["nodes"].values():
            if isinstance(other, CommentedMap):
                for link in links_of(other):
                    if link.to == node_id:
                        _set(other, link.path, retarget)
    return document.dump(doc)
