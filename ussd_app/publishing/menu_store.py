"""Where the served menu definitions come from.

Definitions are parsed once per version and kept: a version never changes once published, so
every process may cache it without asking the others.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sms.templates import Templates
from ussd_app.actions import lsso_actions
from ussd_app.core import keys
from ussd_app.core.extensions import Clients
from ussd_app.engine.actions import Actions
from ussd_app.engine.loader import load_file, load_text
from ussd_app.engine.model import Definition
from ussd_app.publishing import versions as menu_versions


class MenuStore:
    """The versions in the database, each parsed once per process (published ones never change).

    Which version new sessions start on is read from Redis (one GET, pipelined with the session
    by the hop), falling back to the database pointer; publishing updates both. Every version is
    loaded with the same action registry, the one the service offers.
    """

    def __init__(self, clients: Clients, seed_path: Path, actions: Actions) -> None:
        self.clients = clients
        self.seed_path = seed_path
        self.actions = actions
        self._parsed: dict[str, Definition] = {}
        self.sms: Templates | None = None  # the shipped SMS templates a version's own texts are checked against
        self._lock = threading.Lock()

    def current_version(self) -> str:
        redis = self.clients.redis
        raw = redis.get(keys.MENU_CURRENT)
        if raw:
            return raw.decode()
        with self.clients.sessions() as session:
            found = menu_versions.current_id(session) or menu_versions.seed(session, self.seed_path, self.actions)
        redis.set(keys.MENU_CURRENT, found)
        return str(found)

    def current(self, version: str | None = None) -> Definition:
        """The current definition (`version`: the current version's number, if already known)."""
        return self.get(version or self.current_version())  # type: ignore[return-value]

    def get(self, version: str) -> Definition | None:
        found = self._parsed.get(version)
        if found is not None:
            return found
        with self.clients.sessions() as session:
            row = session.get(menu_versions.MenuVersion, int(version)) if version.isdigit() else None
            text = row.yaml if row is not None else None
        if text is None:
            return None
        definition = self.load(text, version=version, source=f"menu version {version}")[0]
        with self._lock:
            self._parsed[version] = definition
        return definition

    def load(self, text: str, *, version: str = "1", source: str = "") -> tuple[Definition, list]:
        """Parse and check any text (a draft too) with the service's actions."""
        return load_text(text, self.actions, version=version, source=source)

    def check(self, text: str) -> list:
        """Every problem of a text, errors and warnings (see versions.check)."""
        return menu_versions.check(text, self.actions, self.sms)

    def shipped_sms_texts(self) -> Mapping[str, Mapping[str, str]]:
        """The SMS texts the service ships (sms/templates.yaml): what a version says where its
        own `sms:` says nothing."""
        return self.sms.texts if self.sms is not None else {}

    def live_sms_texts(self) -> Mapping[str, Mapping[str, str]]:
        """The live version's own SMS texts (`sms:`), which the SMS templates follow."""
        own = self.current().raw.get("sms")
        return own if isinstance(own, dict) else {}

    def published(self, version_id: int) -> None:
        """After a publish or a roll-back is committed: new sessions start on `version_id`."""
        self.clients.redis.set(keys.MENU_CURRENT, version_id)


def build_menu_store(cfg: Mapping[str, Any], clients: Clients) -> MenuStore:
    path = Path(cfg["MENUS_DIR"]) / cfg["MENU_FILE"]
    actions = lsso_actions()
    load_file(path, actions)  # the seed of version 1 must be valid: refuse to start otherwise
    return MenuStore(clients, path, actions)
