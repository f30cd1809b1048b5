"""`flask db create`: create the schema (idempotent); `flask db seed-demo` is in members."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ussd_app.core.database import create_schema
from ussd_app.core.extensions import clients, job_command
from ussd_app.publishing import versions as menu_versions


@click.group("db", cls=AppGroup, help="Database schema.")
def db_cli() -> None:
    pass


@db_cli.command("create")
@job_command
def create_command() -> None:
    """Create every table that does not exist yet, and menu version 1 from the menu file."""
    create_schema(clients(current_app).engine)
    with clients(current_app).sessions() as session:
        version = menu_versions.seed(session, Path(current_app.config["MENUS_DIR"]) / current_app.config["MENU_FILE"])
    click.echo(f"schema is up to date; menu version {version} is current")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
