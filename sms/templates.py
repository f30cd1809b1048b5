"""SMS templates: loaded and checked at start (every kind, both languages, within its part
limit with sample values), rendered in the member's language when a message is queued."""

from __future__ import annotations

from dataclasses import dataclass
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


def load_templates(path: Path = DEFAULT_PATH, max_parts: int | None = None) -> Templates:
    """Read and check the templates; TemplateError lists every problem."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    default_limit = max_parts or int(raw.get("max_parts", 3))
    samples = {k: _sample(v) for k, v in (raw.get("samples") or {}).items()}
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
        for lang in LANGUAGES:
            if not str(entry.get(lang, "")).strip():
                problems.append(f"{kind.value}: missing {lang} text")
    for unknown in set(kinds) - {k.value for k in Kind}:
        problems.append(f"{unknown}: not a kind of message ({', '.join(k.value for k in Kind)})")
    templates = Templates(texts, limits)
    sample_lines = samples.pop("lines", {}) or {}
    for kind, by_lang in texts.items():
        for lang, text in by_lang.items():
            if not text:
                continue
            values = dict(samples)
            if "{lines}" in text:
                values["lines"] = "\n".join(sample_lines.get(kind, {}).get(lang, []))
            missing = placeholders(text) - set(values)
            if missing or values.get("lines") == "":
                problems.append(f"{kind} ({lang}): no sample for {', '.join(sorted(missing or {'lines'}))}")
                continue
            # Samples must fit as they are: trimming lines is for real data, not for the check.
            segments = count(templates._fill(kind, lang, values))
            if segments.parts > limits[kind]:
                problems.append(f"{kind} ({lang}): {segments.parts} parts ({segments.length} {segments.encoding} "
                                f"characters) with sample values, over the limit of {limits[kind]}")
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
