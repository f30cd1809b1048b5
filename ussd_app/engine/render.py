"""Screens know their budget: count characters in the encoding the final text needs, paginate.

A USSD screen holds 182 characters in GSM-7 but 80 once any character needs UCS-2 (all Lao
script does). Nothing longer than its budget leaves this module.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ussd_app.text.encoding import GSM7, measure

BUDGET = {GSM7: 182, "UCS-2": 80}
LAO_LEADING_VOWELS = frozenset("ເແໂໃໄ")


@dataclass(frozen=True)
class Screen:
    text: str
    end: bool  # END (session over) rather than CON

    @property
    def encoding(self) -> str:
        return measure(self.text)[0]

    @property
    def length(self) -> int:
        return measure(self.text)[1]


def budget_of(text: str) -> int:
    return BUDGET[measure(text)[0]]


def fits(text: str) -> bool:
    enc, length = measure(text)
    return length <= BUDGET[enc]


def paginate(lines: list[str], more: str, back: str, footer: str | None = None) -> list[str]:
    """Split `lines` into pages that each fit their budget.

    `footer` (e.g. "0 Back 00 Home") closes the screen. When the screen needs several pages, every
    page but the last ends with `more` ("98 …"), every page but the first offers `back` ("0 …"),
    and the last page ends with `footer` (or `back`). A line too long for any page is cut where
    it does least harm.
    """
    whole = [*lines, footer] if footer else list(lines)
    if fits("\n".join(whole)):
        return ["\n".join(whole)]
    final = [footer or back]

    def footers(index: int) -> list[list[str]]:
        # A page must fit whichever footer it ends up with: we learn which page is last only at the end.
        return [[more, back] if index else [more], final]

    pages: list[list[str]] = []
    current: list[str] = []
    queue = list(lines)
    while queue:
        line = queue.pop(0)
        candidates = footers(len(pages))
        if all(fits("\n".join([*current, line, *f])) for f in candidates):
            current.append(line)
            continue
        if current:
            pages.append(current)
            current = []
            queue.insert(0, line)
            continue
        # The line alone does not fit a page: keep the longest head that does.
        head, tail = _cut(line, max(candidates, key=lambda f: len("\n".join(f))))
        current.append(head)
        pages.append(current)
        current = []
        queue.insert(0, tail)
    if current:
        pages.append(current)
    out = []
    for i, page in enumerate(pages):
        last = i == len(pages) - 1
        out.append("\n".join([*page, *(final if last else footers(i)[0])]))
    assert all(fits(p) for p in out), "pagination produced a page over budget"
    return out


def fits_one_page(lines: list[str], footer: str | None = None) -> bool:
    return fits("\n".join([*lines, footer] if footer else lines))


def _cut(line: str, footer: list[str]) -> tuple[str, str]:
    best = 1
    for end in range(1, len(line)):
        if fits("\n".join([line[:end], *footer])):
            best = end
        else:
            break
    cut = best
    # Prefer a space; never split a letter from its combining marks (Lao vowels, tones), nor a
    # Lao leading vowel (written before its consonant) from that consonant.
    space = line.rfind(" ", 0, cut + 1)
    if space > cut // 2:
        cut = space
    while cut > 1 and (unicodedata.category(line[cut]).startswith("M") or line[cut - 1] in LAO_LEADING_VOWELS):
        cut -= 1
    return line[:cut].rstrip(), line[cut:].lstrip()
