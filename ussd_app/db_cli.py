"""`flask db create`: create the schema of every part (idempotent) and menu version 1; wired by
create_app beside the parts, since it spans them all (`flask members seed-demo` is in members)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ussd_app.core.database import create_schema, missing_columns
from ussd_app.core.extensions import clients, job_command
from ussd_app.ussd.runtime import runtime_of


@click.group("db", cls=AppGroup, help="Database schema.")
def db_cli() -> None:
    pass


@db_cli.command("create")
@click.option("--replace-outdated", is_flag=True,
              help="A SQLite file made by an older version is put aside (renamed .old) and made anew (make run).")
@job_command
def create_command(replace_outdated: bool) -> None:
    """Create every table that does not exist yet, and menu version 1 from the menu file."""
    engine = clients(current_app).engine
    missing = missing_columns(engine)
    if missing:
        path = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
        if not (replace_outdated and path and Path(path).exists()):
            raise click.ClickException(
                "the database was made by an older version of LSSO Connect; it lacks "
                f"{', '.join(missing[:8])}{' …' if len(missing) > 8 else ''}. Upgrade it (back it up, add the "
                "columns), or for a demo database delete it and run this again.")
        clients(current_app).dispose()
        Path(path).replace(f"{path}.old")
        click.echo(f"{path} was made by an older version: kept as {path}.old, and a new one is made")
    create_schema(engine)
    version = runtime_of(current_app).menus.current_version()  # seeds version 1 on a new database
    click.echo(f"schema is up to date; menu version {version} is current")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
