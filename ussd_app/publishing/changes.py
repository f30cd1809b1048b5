"""What a draft changes, in words a reviewer reads without YAML: texts changed (each place),
screens added or removed, links that now lead elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ussd_app.publishing.menu_edits import outline
from ussd_app.publishing.texts import catalogue


@dataclass(frozen=True)
class Change:
    kind: str  # "text", "added", "removed", "link"
    screen: str
    field: str = ""
    before: Any = None
    after: Any = None


def changes(base: Mapping[str, Any], draft: Mapping[str, Any]) -> list[Change]:
    out: list[Change] = []
    before_nodes, after_nodes = set(base.get("nodes") or {}), set(draft.get("nodes") or {})
    out += [Change("added", node) for node in (draft.get("nodes") or {}) if node not in before_nodes]
    out += [Change("removed", node) for node in (base.get("nodes") or {}) if node not in after_nodes]
    texts_before = {p.key: (p, e.text) for e in catalogue(base) for p in e.places}
    texts_after = {p.key: (p, e.text) for e in catalogue(draft) for p in e.places}
    for key, (place, text) in texts_after.items():
        was = texts_before.get(key)
        if place.screen in after_nodes - before_nodes:
            continue  # said as a screen added
        if was is None or was[1] != text:
            out.append(Change("text", place.screen, place.field, was[1] if was else None, text))
    for key, (place, text) in texts_before.items():
        if key not in texts_after and place.screen in after_nodes | {"messages", "sms"}:
            out.append(Change("text", place.screen, place.field, text, None))
    links_before = {(s.id, link.key): link for s in outline(base) for link in s.links}
    for screen in outline(draft):
        if screen.id not in before_nodes:
            continue
        for link in screen.links:
            was = links_before.get((screen.id, link.key))
            if was is None or was.to != link.to:
                out.append(Change("link", screen.id, link.field, was.to if was else None, link.to))
    return out
