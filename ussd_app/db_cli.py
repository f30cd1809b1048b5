"""`flask db create`: create the schema of every part (idempotent) and menu version 1; wired by
create_app beside the parts, since it spans them all (`flask members seed-demo` is in members)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ussd_app.core.database import create_schema
from ussd_app.core.extensions import clients, job_command
from ussd_app.ussd.runtime import runtime_of


@click.group("db", cls=AppGroup, help="Database schema.")
def db_cli() -> None:
    pass


@db_cli.command("create")
@job_command
def create_command() -> None:
    """Create every table that does not exist yet, and menu version 1 from the menu file."""
    create_schema(clients(current_app).engine)
    version = runtime_of(current_app).menus.current_version()  # seeds version 1 on a new database
    click.echo(f"schema is up to date; menu version {version} is current")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
