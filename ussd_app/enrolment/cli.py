"""`flask payments …`: reconcile a bank or mobile-money statement.

Exit codes, as for the member import: 0 every line kept (or imported before) · 1 some lines
rejected (the others were kept) · 2 the file could not be read at all (nothing was imported).
"""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ussd_app.core.database import create_schema
from ussd_app.core.extensions import clients, job_command
from ussd_app.enrolment.demo import sample_statement
from ussd_app.enrolment.payments import StatementError, import_statement
from ussd_app.members.cli import refresh_arrears
from ussd_app.ussd.runtime import runtime_of

log = logging.getLogger(__name__)

payments_cli = AppGroup("payments", help="Voluntary members' payments: import a bank or mobile-money statement.")


@payments_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@job_command
def import_command(file: Path) -> None:
    """Match each line (header: reference,amount_lak,paid_at,transaction_id) to a member, pay whole
    months oldest first, and send a receipt by SMS. A transaction imported before is skipped."""
    ctx = click.get_current_context()
    rt = runtime_of(current_app)
    create_schema(clients(current_app).engine)
    with clients(current_app).sessions() as session:
        try:
            report = import_statement(session, file.read_bytes(), source_file=file.name, now=rt.clock.now(),
                                      policy=rt.dues, templates=rt.sms.templates)
        except StatementError as exc:
            click.echo(f"Error: {file.name}: {exc}. Nothing was imported.", err=True)
            ctx.exit(2)
    rt.sms.enqueue(report.message_ids)
    for line in report.lines(file.name):
        click.echo(line)
    fell, again = refresh_arrears(current_app)
    if fell or again:
        click.echo(f"Voluntary members now behind: {fell}; up to date again: {again}.")
    log.info("statement %s: %d applied, %d short, %d already imported, %d rejected", file.name, report.applied,
             report.short, report.duplicate, len(report.rejected))
    if not report.ok:
        ctx.exit(1)


@payments_cli.command("sample-statement")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def sample_statement_command(file: Path) -> None:
    """Write a demo statement: what members approved by phone (and the demo member behind with
    payments) owe today, a payment short of a month, and a mistyped reference."""
    rt = runtime_of(current_app)
    with clients(current_app).sessions() as session:
        text = sample_statement(session, rt.clock.today(), rt.dues)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {file} ({text.count(chr(10)) - 1} payments); import it with: "
               f"flask --app wsgi payments import {file}")


def init_app(app: Flask) -> None:
    app.cli.add_command(payments_cli)
