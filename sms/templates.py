"""SMS templates: loaded and checked at start (every kind, both languages, within its part
limit with sample values), rendered in the member's language when a message is queued."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from sms.models import Kind
from sms.segments import Segments, count
from ussd_app.engine.text import Day, Money, Period, Wait, fill, placeholders

LANGUAGES = ("lo", "en")
DEFAULT_PATH = Path(__file__).with_name("templates.yaml")
ELLIPSIS = "…"
log = logging.getLogger(__name__)


class TemplateError(ValueError):
    pass


@dataclass(frozen=True)
class Rendered:
    body: str
    segments: Segments


@dataclass(frozen=True)
class Templates:
    texts: dict[str, dict[str, str]]  # kind -> lang -> template
    limits: dict[str, int]  # kind -> max parts
    samples: dict[str, Any] = field(default_factory=dict)  # values to measure a template with
    sample_lines: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # kind -> lang -> {lines}

    def render(self, kind: str, lang: str, values: dict[str, Any]) -> Rendered:
        """The message in `lang`. A `lines` value (a list) loses its oldest lines until the
        message fits its part limit; anything else over the limit raises TemplateError."""
        lines = values.get("lines")
        lines = list(lines) if isinstance(lines, (list, tuple)) else None
        while True:
            body = self._fill(kind, lang, {**values, **({"lines": "\n".join(lines)} if lines is not None else {})})
            segments = count(body)
            if segments.parts <= self.limits[kind]:
                return Rendered(body, segments)
            if not lines or len(lines) == 1:
                raise TemplateError(f"{kind} ({lang}) takes {segments.parts} parts, over its limit of "
                                    f"{self.limits[kind]}")
            lines = [ELLIPSIS, *lines[2:]] if lines[0] == ELLIPSIS else [ELLIPSIS, *lines[1:]]

    def _fill(self, kind: str, lang: str, values: dict[str, Any]) -> str:
        return fill(self.texts[kind][lang], values, lang)

    def with_texts(self, overrides: Mapping[str, Mapping[str, str]]) -> Templates:
        """These templates with some kinds' texts replaced (a menu version's own SMS texts)."""
        if not overrides:
            return self
        texts = {kind: {**by_lang, **{k: v for k, v in overrides.get(kind, {}).items() if k in LANGUAGES}}
                 for kind, by_lang in self.texts.items()}
        return replace(self, texts=texts)

    def sample(self, kind: str, lang: str, text: str) -> str:
        """`text`, as the template of `kind`, filled with the sample values (what the checks measure)."""
        values = dict(self.samples)
        if "{lines}" in text:
            values["lines"] = "\n".join(self.sample_lines.get(kind, {}).get(lang, []))
        return fill(text, values, lang)

    def problems(self, texts: Mapping[str, Mapping[str, str]] | None = None) -> list[str]:
        """What is wrong with `texts` (default: these templates' own) as SMS templates: unknown
        kinds, a language missing, a value no sample has, over the part limit with samples."""
        texts = self.texts if texts is None else texts
        out: list[str] = []
        for kind, by_lang in texts.items():
            if kind not in self.limits:
                out.append(f"{kind}: not a kind of message ({', '.join(sorted(self.limits))})")
                continue
            for lang in LANGUAGES:
                text = by_lang.get(lang, "")
                if not str(text).strip():
                    out.append(f"{kind}: missing {lang} text")
                    continue
                try:
                    names = placeholders(text)
                except ValueError as exc:
                    out.append(f"{kind} ({lang}): malformed template: {exc}")
                    continue
                missing = names - set(self.samples) - {"lines"}
                lines = self.sample_lines.get(kind, {}).get(lang, [])
                if missing or ("lines" in names and not lines):
                    out.append(f"{kind} ({lang}): no sample for {', '.join(sorted(missing or {'lines'}))}")
                    continue
                # Samples must fit as they are: trimming lines is for real data, not for the check.
                segments = count(self.sample(kind, lang, text))
                if segments.parts > self.limits[kind]:
                    out.append(f"{kind} ({lang}): {segments.parts} parts ({segments.length} {segments.encoding} "
                               f"characters) with sample values, over the limit of {self.limits[kind]}")
        return out


class LiveTemplates:
    """The shipped templates under the live menu version's own SMS texts (`sms:` in the menu,
    edited on the console's Texts page and published with the menu)."""

    def __init__(self, base: Templates, live_texts: Callable[[], Mapping[str, Mapping[str, str]]]) -> None:
        self.base = base
        self.live_texts = live_texts
        # The live version's texts are one object per parsed version (menu_store keeps it): the
        # templates made from them are kept until another version's texts come.
        self._made: tuple[Mapping[str, Mapping[str, str]], Templates] | None = None

    def now(self) -> Templates:
        try:
            overrides = self.live_texts()
        except Exception:  # noqa: BLE001 - an SMS in the shipped words beats no SMS at all
            log.warning("the live menu's SMS texts could not be read; using the shipped ones")
            return self.base
        made = self._made
        if made is not None and made[0] is overrides:
            return made[1]
        templates = self.base.with_texts(overrides)
        self._made = (overrides, templates)
        return templates

    def render(self, kind: str, lang: str, values: dict[str, Any]) -> Rendered:
        return self.now().render(kind, lang, values)

    @property
    def limits(self) -> dict[str, int]:
        return self.base.limits


def load_templates(path: Path = DEFAULT_PATH, max_parts: int | None = None) -> Templates:
    """Read and check the templates; TemplateError lists every problem."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    default_limit = max_parts or int(raw.get("max_parts", 3))
    samples = {k: _sample(v) for k, v in (raw.get("samples") or {}).items()}
    sample_lines = samples.pop("lines", {}) or {}
    texts: dict[str, dict[str, str]] = {}
    limits: dict[str, int] = {}
    problems: list[str] = []
    kinds = raw.get("kinds") or {}
    for kind in Kind:
        entry = kinds.get(kind.value)
        if not isinstance(entry, dict):
            problems.append(f"{kind.value}: missing")
            continue
        limits[kind.value] = int(entry.get("max_parts", default_limit))
        texts[kind.value] = {lang: entry.get(lang, "") for lang in LANGUAGES}
    for unknown in set(kinds) - {k.value for k in Kind}:
        problems.append(f"{unknown}: not a kind of message ({', '.join(k.value for k in Kind)})")
    templates = Templates(texts, limits, samples, sample_lines)
    problems += templates.problems()
    if problems:
        raise TemplateError(f"SMS templates in {path}:\n" + "\n".join(f"  - {p}" for p in problems))
    return templates


def _sample(value: Any) -> Any:
    # YAML cannot say "money" or "a month"; small tagged mappings do.
    if isinstance(value, dict) and set(value) == {"money"}:
        return Money(int(value["money"]))
    if isinstance(value, dict) and set(value) == {"period"}:
        return Period(str(value["period"]))
    if isinstance(value, dict) and set(value) == {"day"}:
        return Day(date.fromisoformat(str(value["day"])))
    if isinstance(value, dict) and set(value) == {"wait"}:
        return Wait(int(value["wait"]))
    return value


TemplateSource = Templates | LiveTemplates  # what renders an SMS: fixed templates, or the live menu's
