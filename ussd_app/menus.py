"""Where the served menu definitions come from, and the `flask menus` commands.

Definitions are parsed once per version and kept: a version never changes once published, so
every process may cache it without asking the others.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ussd_app import actions  # noqa: F401  (registers the action handlers the menus call)
from ussd_app.engine.loader import load_file, load_text
from ussd_app.engine.model import Definition, DefinitionError


class FileMenuStore:
    """Version "1" is the YAML file; it is the only version until menus live in the database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._current = load_file(path, version="1")

    def current(self) -> Definition:
        return self._current

    def get(self, version: str) -> Definition | None:
        return self._current if version == self._current.version else None


def menu_store(app: Flask | None = None) -> FileMenuStore:
    return (app or current_app).extensions["lsso_menus"]


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
            _definition, warnings = load_text(path.read_text(encoding="utf-8"), source=str(path))
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
    path = Path(app.config["MENUS_DIR"]) / app.config["MENU_FILE"]
    app.extensions["lsso_menus"] = FileMenuStore(path)
    app.cli.add_command(menus_cli)
