"""The provinces and districts a member chooses from (data/places.yaml), loaded and checked.

Pure: no Flask, Redis or database. A bad file is refused whole, every problem listed naming the province
(and district), so whoever edits the list can fix it without reading this code.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PLACES_PATH = Path(__file__).with_name("data") / "places.yaml"
LANGS = ("lo", "en")
# A menu line is "<n> <name>" on an 80-character screen that also carries the prompt and 0/00 keys; these
# keep a page of several names readable. Lao is counted in UCS-2 units, which is what the network counts
# (every Lao letter is one unit, so this is also len()).
NAME_MAX_CHARS = {"lo": 20, "en": 24}
_LAO = range(0x0E80, 0x0F00)
_PROVINCE_FIELDS = {"en", "lo", "districts"}
_PLACE_FIELDS = {"en", "lo"}


class PlacesError(ValueError):
    """A places file that must not be used. `problems` holds one message per mistake."""

    def __init__(self, problems: Iterable[str], source: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__((f"{source}: " if source else "") + "; ".join(self.problems))


@dataclass(frozen=True)
class Place:
    en: str  # the value stored on records (members.province / members.district): never reworded lightly
    lo: str

    def name(self, lang: str) -> str:
        """The name to show on a screen in `lang` ('lo' or 'en')."""
        if lang == "lo":
            return self.lo
        if lang == "en":
            return self.en
        # A typo in a caller's language code would otherwise show one language on the other's screen.
        raise ValueError(f"no place names in language {lang!r} (have: {', '.join(LANGS)})")


@dataclass(frozen=True)
class Province(Place):
    districts: tuple[Place, ...]

    def district(self, en: str) -> Place | None:
        return next((d for d in self.districts if d.en == en), None)


@dataclass(frozen=True)
class Places:
    provinces: tuple[Province, ...]

    def province(self, en: str) -> Province | None:
        # 18 provinces: a scan is as fast as an index and keeps the class a plain value.
        return next((p for p in self.provinces if p.en == en), None)

    def district(self, province_en: str, district_en: str) -> Place | None:
        # Looked up within the province: several names (Xaysetha, Viengkham, Phonthong) exist in two provinces.
        province = self.province(province_en)
        return province.district(district_en) if province else None

    @property
    def district_count(self) -> int:
        return sum(len(p.districts) for p in self.provinces)


def load_places(path: str | Path = DEFAULT_PLACES_PATH) -> Places:
    """Read and check a places file. A missing file raises OSError; a bad one raises PlacesError (a ValueError)."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PlacesError([f"not valid YAML ({exc})"], str(path)) from exc
    return parse_places(raw, source=str(path))


@functools.cache
def default_places() -> Places:
    """The shipped list, read once per process (menus ask for it on every hop)."""
    return load_places(DEFAULT_PLACES_PATH)


def parse_places(raw: Any, source: str = "") -> Places:
    """Build Places from the parsed YAML document, or raise PlacesError listing every problem."""
    if not isinstance(raw, dict) or not isinstance(raw.get("provinces"), list) or not raw["provinces"]:
        raise PlacesError(["a places file is a mapping with 'provinces': a non-empty list"], source)
    problems: list[str] = [f"unknown top-level field {key!r}" for key in raw if key != "provinces"]
    provinces: list[Province] = []
    for index, body in enumerate(raw["provinces"], start=1):
        province = _province(body, f"province #{index}", problems)
        if province is not None:
            provinces.append(province)
    _no_repeats(provinces, "province", problems)
    if problems:
        raise PlacesError(problems, source)
    return Places(provinces=tuple(provinces))


def _province(body: Any, where: str, problems: list[str]) -> Province | None:
    if not isinstance(body, dict):
        problems.append(f"{where}: must be a mapping with en, lo and districts")
        return None
    # Name the province by its English name as soon as there is one: "province #7" means nothing to an editor.
    if isinstance(body.get("en"), str) and body["en"].strip():
        where = f"province {body['en'].strip()!r}"
    problems += [f"{where}: unknown field {key!r}" for key in body if key not in _PROVINCE_FIELDS]
    names = _names(body, where, problems)
    raw_districts = body.get("districts")
    if not isinstance(raw_districts, list) or not raw_districts:
        problems.append(f"{where}: 'districts' must be a non-empty list")
        raw_districts = []
    districts: list[Place] = []
    for index, item in enumerate(raw_districts, start=1):
        at = f"{where}, district #{index}"
        if not isinstance(item, dict):
            problems.append(f"{at}: must be a mapping with en and lo")
            continue
        if isinstance(item.get("en"), str) and item["en"].strip():
            at = f"{where}, district {item['en'].strip()!r}"
        problems += [f"{at}: unknown field {key!r}" for key in item if key not in _PLACE_FIELDS]
        district = _names(item, at, problems)
        if district is not None:
            districts.append(Place(*district))
    _no_repeats(districts, f"{where}: district", problems)
    if names is None:
        return None
    return Province(en=names[0], lo=names[1], districts=tuple(districts))


def _names(body: dict[str, Any], where: str, problems: list[str]) -> tuple[str, str] | None:
    """(en, lo) when both are present and fit; else the problems are recorded and None returned."""
    found: dict[str, str] = {}
    for lang in ("en", "lo"):
        value = body.get(lang)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: '{lang}' is missing")
            continue
        text = value.strip()
        width = len(text.encode("utf-16-le")) // 2
        if width > NAME_MAX_CHARS[lang]:
            problems.append(f"{where}: '{lang}' {text!r} is {width} characters; at most {NAME_MAX_CHARS[lang]} fit")
        if lang == "lo" and not any(ord(c) in _LAO for c in text):
            problems.append(f"{where}: 'lo' {text!r} has no Lao script")
        # English goes on records and on GSM-7 screens: one accented letter would turn the whole screen
        # into UCS-2 and halve what fits, and would no longer match what other systems send.
        if lang == "en" and not (text.isascii() and text.isprintable()):
            problems.append(f"{where}: 'en' {text!r} must be plain ASCII")
        found[lang] = text
    if len(found) < 2:
        return None
    return found["en"], found["lo"]


def _no_repeats(places: Sequence[Place], what: str, problems: list[str]) -> None:
    # A repeated English name makes the stored value ambiguous; a repeated Lao one makes two menu lines
    # a Lao reader cannot tell apart.
    for lang in LANGS:
        seen: set[str] = set()
        for place in places:
            name = place.name(lang)
            if name in seen:
                problems.append(f"{what} {name!r} appears twice ('{lang}' names are unique)")
            seen.add(name)
