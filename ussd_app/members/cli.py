"""`flask members …`: import members and contributions from CSV, seed the demo data.

Exit codes: 0 all rows imported · 1 some rows rejected (the valid ones were imported) ·
2 the file could not be imported at all (encoding, header; nothing was imported).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ussd_app.core.database import create_schema
from ussd_app.core.extensions import clients, job_command
from ussd_app.enrolment.demo import seed_enrolment_demo
from ussd_app.members import arrears, importer
from ussd_app.members.demo.seed import DATA_DIR, seed_demo
from ussd_app.members.models import Contribution, Member
from ussd_app.ussd.runtime import runtime_of

log = logging.getLogger(__name__)

members_cli = AppGroup("members", help="Members and contributions: CSV import, demo data.")

_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


@members_cli.command("import-members")
@click.argument("file", type=_FILE)
@job_command
def import_members_command(file: Path) -> None:
    """Upsert members from a CSV file (header: ssn,full_name,phone,date_of_birth,sex,scheme,
    registered_on,status,language)."""
    region = current_app.config.get("DEFAULT_REGION", "LA")
    _run_import(file, lambda session, data: importer.import_members(session, data, region=region))


@members_cli.command("import-contributions")
@click.argument("file", type=_FILE)
@job_command
def import_contributions_command(file: Path) -> None:
    """Upsert contributions from a CSV file (header: ssn,period,insured_wage_lak,employee_lak,
    employer_lak,paid_on); the members must be imported first."""
    _run_import(file, importer.import_contributions)
    fell, again = refresh_arrears(current_app)
    if fell or again:
        click.echo(f"Voluntary members now behind: {fell}; up to date again: {again}.")


def refresh_arrears(app: Flask) -> tuple[int, int]:
    """Voluntary members' standing after new contributions, or a due day passing (rq cron runs it daily)."""
    with clients(app).sessions() as session:
        found = arrears.refresh(session, runtime_of(app).clock.today(), app.config["REMINDER_DUE_DAY"])
        session.commit()
    return found


@members_cli.command("seed-demo")
@job_command
def seed_demo_command() -> None:
    """Load the demo data set if there are no members yet (see members/demo/data/README.md)."""
    engine = clients(current_app).engine
    create_schema(engine)
    rt = runtime_of(current_app)
    with clients(current_app).sessions() as session:
        if not seed_demo(session, rt.pins):
            click.echo("There are members already: nothing seeded.")
            return
        # The phone channel's part: an application in the queue, a member approved without a PIN yet.
        seed_enrolment_demo(session, rt.clock.now(), rt.clock.today())
        session.commit()
        members = session.scalar(select(func.count(Member.id)))
        rows = session.scalar(select(func.count(Contribution.id)))
    readme = DATA_DIR / "README.md"
    shown = readme.relative_to(Path.cwd()) if readme.is_relative_to(Path.cwd()) else readme
    click.echo(f"Seeded {members} demo members and {rows} contributions; the showcase phones are in {shown}.")


def _run_import(file: Path, run: Callable[[Session, bytes], importer.ImportReport]) -> None:
    ctx = click.get_current_context()
    engine = clients(current_app).engine
    create_schema(engine)
    with clients(current_app).sessions() as session:
        try:
            report = run(session, file.read_bytes())
        except importer.ImportFileError as exc:
            click.echo(f"Error: {file.name}: {exc}. Nothing was imported.", err=True)
            log.info("import of %s refused: %s", file.name, exc)
            ctx.exit(2)
    for line in report.lines(file.name):
        click.echo(line)
    log.info(
        "import of %s: %d inserted, %d updated, %d unchanged, %d rejected",
        file.name, report.inserted, report.updated, report.unchanged, len(report.rejected),
    )
    if not report.ok:
        ctx.exit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(members_cli)
