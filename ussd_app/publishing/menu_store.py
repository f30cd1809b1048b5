"""Where the served menu definitions come from, and the `flask menus` commands.

Definitions are parsed once per version and kept: a version never changes once published, so
every process may cache it without asking the others.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ussd_app.actions import lsso_actions
from ussd_app.core import keys
from ussd_app.core.extensions import Clients
from ussd_app.engine.actions import Actions
from ussd_app.engine.loader import load_file, load_text
from ussd_app.engine.model import Definition, DefinitionError
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
        return menu_versions.check(text, self.actions)

    def published(self, version_id: int) -> None:
        """After a publish or a roll-back is committed: new sessions start on `version_id`."""
        self.clients.redis.set(keys.MENU_CURRENT, version_id)


def build_menu_store(app: Flask, clients: Clients) -> MenuStore:
    path = Path(app.config["MENUS_DIR"]) / app.config["MENU_FILE"]
    actions = lsso_actions()
    load_file(path, actions)  # the seed of version 1 must be valid: refuse to start otherwise
    return MenuStore(clients, path, actions)


@click.group("menus", cls=AppGroup, help="Menu definitions.")
def menus_cli() -> None:
    pass


@menus_cli.command("validate")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate_command(files: tuple[Path, ...]) -> None:
    """Check menu definition FILES (default: the served one); exit 1 if any is invalid."""
    paths = files or (Path(current_app.config["MENUS_DIR"]) / current_app.config["MENU_FILE"],)
    failed = False
    for path in paths:
        try:
            _definition, warnings = load_text(path.read_text(encoding="utf-8"), lsso_actions(), source=str(path))
        except DefinitionError as exc:
            failed = True
            click.echo(f"{path}: INVALID", err=True)
            for problem in exc.problems:
                click.echo(f"  - {problem}", err=True)
            continue
        click.echo(f"{path}: ok" + (f" ({len(warnings)} warnings)" if warnings else ""))
        for problem in warnings:
            click.echo(f"  - {problem}")
    sys.exit(1 if failed else 0)


def init_app(app: Flask) -> None:
    app.cli.add_command(menus_cli)
