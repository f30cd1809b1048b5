"""`flask menus validate [FILE]`: check menu definition files as the service would load them."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ussd_app.actions import lsso_actions
from ussd_app.engine.loader import load_text
from ussd_app.engine.model import DefinitionError


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
