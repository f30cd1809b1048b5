"""`flask db create`: create the schema (idempotent); `flask db seed-demo` is in members."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ussd_app.database import create_schema
from ussd_app.extensions import clients


@click.group("db", cls=AppGroup, help="Database schema.")
def db_cli() -> None:
    pass


@db_cli.command("create")
def create_command() -> None:
    """Create every table that does not exist yet."""
    create_schema(clients(current_app).engine)
    click.echo("schema is up to date")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
