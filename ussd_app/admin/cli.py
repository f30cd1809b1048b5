"""`flask admin create-user EMAIL --role …`: staff accounts are made on the server, not on the web."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from ussd_app.admin.audit import record
from ussd_app.admin.i18n import DEFAULT, LANGUAGES
from ussd_app.admin.models import AdminUser, Role
from ussd_app.core.database import create_schema
from ussd_app.core.extensions import clients

admin_cli = AppGroup("admin", help="Admin console users.")

MIN_PASSWORD = 12


@admin_cli.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--language", type=click.Choice(sorted(LANGUAGES)), default=None,
              help="The console's language for this user (new users: Lao); they can switch it in the console.")
@click.password_option(help="Prompted for (twice) unless given; at least 12 characters.")
def create_user_command(email: str, role: str, password: str, language: str | None) -> None:
    """Create (or update the password and role of) the admin user EMAIL."""
    email = email.strip().lower()
    if "@" not in email:
        raise click.BadParameter("not an email address", param_hint="EMAIL")
    if len(password) < MIN_PASSWORD:
        raise click.BadParameter(f"use at least {MIN_PASSWORD} characters", param_hint="--password")
    create_schema(clients(current_app).engine)
    with clients(current_app).sessions() as session:
        user = session.execute(select(AdminUser).where(AdminUser.email == email)).scalar()
        action = "user updated" if user else "user created"
        if user is None:
            user = AdminUser(email=email, role=role, password_hash="", language=DEFAULT)
            session.add(user)
        user.role, user.active = role, True
        if language:
            user.language = language
        user.password_hash = generate_password_hash(password)
        record(session, "cli", action, email, f"role {role}")
        session.commit()
    click.echo(f"{action}: {email} ({role})")


def init_app(app: Flask) -> None:
    app.cli.add_command(admin_cli)
