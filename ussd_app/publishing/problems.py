"""The checks' problems in plain words for staff: which screen, which field, what to do, and a
place to go and fix it. A problem caused by another one (screens cut off by a broken link) is
folded under its cause, so the real mistakes stay in sight.

Sentences are message ids with named values (`N_` marks them for the translators); the console
translates them (`gettext(words, **values)`), so this module stays free of any web framework.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sms.segments import PER_PART
from ussd_app.engine.model import Problem


def N_(words: str) -> str:  # noqa: N802 - gettext's name for "translate later"
    return words


LANG_NAMES = {"lo": N_("Lao"), "en": N_("English")}


@dataclass
class Explained:
    level: str  # "error" (blocks publishing) or "warning"
    screen: str  # a node id, "messages", "sms", or "" for the whole menu
    field: str  # where on the screen, as a path key ("options/3/label"), or ""
    words: str  # a message id, with `values`
    values: dict[str, Any] = field(default_factory=dict)
    line: int | None = None  # for a YAML text that cannot be read
    folded: list[Explained] = field(default_factory=list)  # problems this one causes
    original: str = ""  # the checker's own words, for experts
    where: tuple[str, dict[str, Any]] | None = None  # a part of the screen the words are about

    def render(self, gettext: Callable[..., str]) -> str:
        def say(words: str, values: dict[str, Any]) -> str:
            # Values that are words themselves ("option %(n)s", "Lao") are translated too.
            inner = {k: v for k, v in values.items() if not k.endswith(("_lang", "where", "what"))}
            worded = {k: gettext(v, **inner) if "%(" in v else gettext(v)
                      for k, v in values.items() if k not in inner}
            return gettext(words, **inner, **worded)

        said = say(self.words, self.values)
        return f"{say(*self.where)}: {said}" if self.where else said


def _lang(code: str) -> str:
    return LANG_NAMES.get(code, code)


def _field_path(words: str) -> str:
    """'option 4 label' -> 'options/3/label'; 'text' -> 'text'; 'error' -> 'error'."""
    found = re.match(r"^option (\d+)(?: label)?$", words)
    if found:
        return f"options/{int(found.group(1)) - 1}/label"
    return {"text": "text", "error": "error"}.get(words, "")


def _field_words(words: str) -> tuple[str, dict[str, Any]]:
    found = re.match(r"^option (\d+)(?: label)?$", words)
    if found:
        return N_("option %(n)s"), {"n": found.group(1)}
    return {"text": (N_("the title"), {}), "error": (N_("the error line"), {})}.get(words, (words, {}))


_YAML_HINTS = [  # PyYAML's words -> what staff should look for
    ("expected <block end>", N_("the spaces at the start of this line do not line up with the lines around it")),
    ("mapping values are not allowed", N_("a ':' is where it cannot be: put quotes around a text that has ': ' in it")),
    ("could not find expected ':'", N_("a line is missing its ':', or a quote is not closed")),
    ("found character '\\t'", N_("a tab character: use spaces instead")),
    ("found unexpected end of stream", N_("a quote or a bracket is not closed")),
    ("did not find expected", N_("a quote, a bracket or a '-' is missing or not closed")),
    ("while scanning a quoted scalar", N_("a quote is not closed")),
]

_RULES: list[tuple[str, Callable[[re.Match[str]], tuple[str, str, dict[str, Any]]]]] = []


def _rule(pattern: str) -> Callable[[Callable[[re.Match[str]], tuple[str, str, dict[str, Any]]]], Any]:
    def add(fn: Callable[[re.Match[str]], tuple[str, str, dict[str, Any]]]) -> Any:
        _RULES.append((pattern, fn))
        return fn
    return add


@_rule(r"^(?P<field>.+): missing (?P<lang>lo|en) translation$")
def _missing(m: re.Match[str]) -> tuple[str, str, dict[str, Any]]:
    where, values = _field_words(m["field"])
    return (N_("%(where)s has no %(text_lang)s text: write it, or copy the other language and translate it"),
            _field_path(m["field"]), {"where": where, **values, "text_lang": _lang(m["lang"])})


@_rule(r"^missing (?P<lang>lo|en) translation$")
def _missing_here(m: re.Match[str]) -> tuple[str, str, dict[str, Any]]:
    return N_("it has no %(text_lang)s text"), "", {"text_lang": _lang(m["lang"])}


@_rule(r"^next node '(?P<to>.+)' does not exist$")
def _no_target(m: re.Match[str]) -> tuple[str, str, dict[str, Any]]:
    return (N_("it leads to a screen called “%(to)s”, which does not exist: choose one from the list, or add it"),
            "", {"to": m["to"]})


@_rule(r"^unreachable: no path leads here from the start node$")
def _unreachable(m: re.Match[str]) -> tuple[str, str, dict[str, Any]]:
    return N_("nothing leads to this screen, so no member can see it: add an option to it, or delete it"), "", {}


@_rule(r"^screen over budget in (?P<lang>lo|en) \((?P<n>\d+) characters, budget (?P<b>\d+)(?P<err>, with its "
       r"longest error line)?\)(: shown in (?P<pages>\d+) pages)?$")
def _over(m: re.Match[str]) -> tuple[str, str, dict[str, Any]]:
    values = {"screen_lang": _lang(m["lang"]), "n": m["n"], "budget": m["b"], "over": int(m["n"]) - int(m["b"])}
    if m["err"]:
        return (N_("in %(screen_lang)s this screen takes %(n)s of %(budget)s characters with its longest error "
                   "line: %(over)s too many. Shorten its title by %(over)s"), "text", values)
    return (N_("in %(screen_lang)s this screen takes %(n)s of %(budget)s characters: %(over)s too many, so it "
               "shows on %(pages)s pages. Shorten its texts by %(over)s"), "", {**values, "pages": m["pages"]})


@_rule(r"^choice too long for a screen in (?P<lang>lo|en): '(?P<text>.*)'$")
def _long_choice(m: re.Match[str]) -> tuple[str, str, dict[str, Any]]:
    return (N_("the choice “%(text)s” is too long for a screen in %(screen_lang)s"), "",
            {"text": m["text"], "screen_lang": _lang(m["lang"])})


@_rule(r"^unknown field\(s\): (?P<names>.+)$")
def _unknown_field(m: re.Match[str]) -> tuple[str, str, dict[str, Any]]:
    return (N_("“%(names)s” is not something this kind of screen has: check the spelling in the YAML tab. "
               "Until then the screen cannot be shown"), "", {"names": m["names"]})


@_rule(r"^unknown type (?P<type>.+) \(known: (?P<known>.+)\)$")
def _unknown_type(m: re.Match[str]) -> tuple[str, str, dict[str, Any]]:
    return (N_("%(type)s is not a kind of screen (the kinds are: %(known)s)"), "",
            {"type": m["type"], "known": m["known"]})


@_rule(r"^'(?P<key>\w+)' is required$")
def _required(m: re.Match[str]) -> tuple[str, str, dict[str, Any]]:
    what = {"text": N_("its title")}.get(m["key"], m["key"])
    return N_("%(what)s is missing"), "", {"what": what}


@_rule(r"^(?P<field>.+) \((?P<lang>lo|en)\) uses \{(?P<name>\w+)\}, which nothing provides( here)?$")
def _placeholder(m: re.Match[str]) -> tuple[str, str, dict[str, Any]]:
    where, values = _field_words(m["field"])
    return (N_("%(where)s (%(text_lang)s) shows {%(name)s}, which this screen does not have: remove it, or check "
               "the spelling"), _field_path(m["field"]),
            {"where": where, **values, "text_lang": _lang(m["lang"]), "name": m["name"]})


@_rule(r"^(?P<field>.+) \((?P<lang>lo|en)\): malformed template: .*$")
def _malformed(m: re.Match[str]) -> tuple[str, str, dict[str, Any]]:
    where, values = _field_words(m["field"])
    return (N_("%(where)s (%(text_lang)s) has a { or a } that does not close: to show one, write it twice"),
            _field_path(m["field"]), {"where": where, **values, "text_lang": _lang(m["lang"])})


@_rule(r"^loop without any screen: (?P<loop>.+)$")
def _loop(m: re.Match[str]) -> tuple[str, str, dict[str, Any]]:
    return (N_("these steps lead to each other without showing a screen, so a member would be stuck: %(loop)s"),
            "", {"loop": m["loop"]})


@_rule(r"^start node '(?P<to>.+)' does not exist$")
def _no_start(m: re.Match[str]) -> tuple[str, str, dict[str, Any]]:
    return N_("the first screen, “%(to)s”, does not exist"), "", {"to": m["to"]}


@_rule(r"^missing message '(?P<key>\w+)'$")
def _no_message(m: re.Match[str]) -> tuple[str, str, dict[str, Any]]:
    return N_("the shared message “%(key)s” is missing: every menu needs it"), "", {"key": m["key"]}


@_rule(r"^(?P<kind>\w+) \((?P<lang>lo|en)\): (?P<parts>\d+) parts \((?P<n>\d+) (?P<enc>[\w-]+) characters\) "
       r"with sample values, over the limit of (?P<limit>\d+)$")
def _sms_long(m: re.Match[str]) -> tuple[str, str, dict[str, Any]]:
    over = int(m["n"]) - PER_PART[m["enc"]] * int(m["limit"])
    return (N_("the SMS “%(kind)s” in %(text_lang)s takes %(parts)s parts, over its limit of %(limit)s: shorten it "
               "by %(over)s characters"), "",
            {"kind": m["kind"], "text_lang": _lang(m["lang"]), "parts": m["parts"], "limit": m["limit"], "over": over})


_CUT_OFF = re.compile(r"^(?P<n>\d+) node\(s\) cannot be reached until the errors above are fixed: (?P<ids>.+)$")
_YAML = re.compile(r"^not valid YAML at line (?P<line>\d+), column (?P<col>\d+): (?P<what>.+)$")


def explain(problems: list[Problem]) -> list[Explained]:
    """Each problem in plain words, knock-on ones folded under the first error they follow."""
    out: list[Explained] = []
    folded: list[Explained] = []
    for problem in problems:
        cut_off = _CUT_OFF.match(problem.message)
        if cut_off:
            folded.append(Explained("warning", problem.node, "", N_("cannot be reached until the error above is "
                                                                    "fixed: %(ids)s"), {"ids": cut_off["ids"]},
                                    original=str(problem)))
            continue
        out.append(_one(problem))
    if folded:
        cause = next((e for e in out if e.level == "error"), None)
        if cause is None:
            out += folded
        else:
            cause.folded += folded
    return out


def _one(problem: Problem) -> Explained:
    message = problem.message
    screen = problem.node
    if screen == "sms":
        message = message.removeprefix("sms: ")
    syntax = _YAML.match(message)
    if syntax:
        hint = next((words for needle, words in _YAML_HINTS if needle in syntax["what"]),
                    N_("the text is not written the way the menu file needs"))
        return Explained("error", "", "", N_("the YAML text cannot be read at line %(line)s: %(hint)s"),
                         {"line": syntax["line"], "hint": hint}, line=int(syntax["line"]), original=str(problem))
    if screen == "messages" and ": " in message:
        key, _, rest = message.partition(": ")
        if re.fullmatch(r"\w+", key):
            explained = _one(Problem("messages", rest, problem.level))
            explained.field = key
            explained.original = str(problem)
            return explained
    for pattern, build in _RULES:
        found = re.match(pattern, message)
        if found:
            words, path, values = build(found)
            if build is _over and problem.level == "warning":  # an action's result: it pages by design
                words = N_("in %(screen_lang)s this result takes %(n)s of %(budget)s characters with sample "
                           "values, so it shows on %(pages)s pages: check on the phone that it reads well")
            return Explained(problem.level, screen, path, words, values, original=str(problem))
    option = re.match(r"^option (?P<n>\d+): (?P<rest>.+)$", message)
    if option:
        inner = _one(Problem(screen, option["rest"], problem.level))
        inner.where = (N_("option %(n)s"), {"n": option["n"]})
        inner.field = inner.field or f"options/{int(option['n']) - 1}"
        inner.original = str(problem)
        return inner
    return Explained(problem.level, screen, "", "%(message)s", {"message": message}, original=str(problem))


def counts(explained: list[Explained]) -> Mapping[str, int]:
    return {"error": sum(e.level == "error" for e in explained),
            "warning": sum(e.level == "warning" for e in explained)}
