"""`flask partners …`: register the schemes that query LSSO through the partner API.

    flask --app wsgi partners add NAME --scope SCOPE [--scope …] --purpose CODE [--purpose …]
          [--basis law|consent] [--callback-url URL] [--public-key FILE] [--label-lo TEXT --label-en TEXT]
    flask --app wsgi partners list | rotate-secret NAME | revoke NAME | keygen
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ussd_app.admin.audit import record
from ussd_app.dci import partners as registry
from ussd_app.dci.keys import new_seed
from ussd_app.dci.models import Basis, Scope
from ussd_app.dci.purposes import PURPOSES
from ussd_app.ussd.runtime import runtime_of

ACTOR = "cli"


@click.group("partners", cls=AppGroup, help="Partners of the DCI API (other social protection schemes).")
def partners_cli() -> None:
    pass


@partners_cli.command("add")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice([s.value for s in Scope]))
@click.option("--purpose", "purposes", multiple=True, required=True, type=click.Choice(list(PURPOSES)),
              help="purpose codes it may use; the first is its default")
@click.option("--basis", default=Basis.LAW.value, show_default=True, type=click.Choice([b.value for b in Basis]),
              help="consent: members say yes or no on USSD, and only those who said yes are found")
@click.option("--callback-url", default=None, help="base URL its callbacks and notifications go to")
@click.option("--public-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="its Ed25519 public key (base64 or PEM): its signatures are then checked")
@click.option("--label-lo", default=None, help="its name as members read it on USSD, in Lao (short)")
@click.option("--label-en", default=None, help="… and in English")
def add_command(name: str, scopes: tuple[str, ...], purposes: tuple[str, ...], basis: str, callback_url: str | None,
                public_key: Path | None, label_lo: str | None, label_en: str | None) -> None:
    """Register partner NAME (its DCI sender_id) and print its credentials, once."""
    key = public_key.read_text(encoding="utf-8") if public_key else None
    with runtime_of(current_app).clients.sessions() as session:
        try:
            partner, secret = registry.add(session, name, list(scopes), list(purposes), basis, callback_url, key,
                                           {"lo": label_lo or "", "en": label_en or ""})
        except registry.PartnerError as exc:
            click.echo(f"not added: {exc}", err=True)
            sys.exit(1)
        record(session, ACTOR, "partner added", f"partner {name}",
               f"scopes {partner.scopes}; purposes {partner.purposes}; basis {basis}")
        session.commit()
        click.echo(f"client_id={partner.client_id}")
        click.echo(f"client_secret={secret}")
        click.echo("(the secret is shown this once; only its hash is kept)", err=True)


@partners_cli.command("list")
def list_command() -> None:
    """Every partner: name, client_id, scopes, purposes, basis, callback URL, state."""
    with runtime_of(current_app).clients.sessions() as session:
        for p in registry.all_partners(session):
            state = "active" if p.active else f"revoked {p.revoked_at:%Y-%m-%d}"
            click.echo(f"{p.name}\t{p.client_id}\t{p.scopes}\t{p.purposes}\t{p.basis}\t{p.callback_url or '-'}\t"
                       f"{'key' if p.public_key else 'no key'}\t{state}")


@partners_cli.command("rotate-secret")
@click.argument("name")
def rotate_command(name: str) -> None:
    """A new client secret for NAME; the old one stops working at once."""
    with runtime_of(current_app).clients.sessions() as session:
        try:
            partner, secret = registry.rotate_secret(session, name)
        except registry.PartnerError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        record(session, ACTOR, "partner secret rotated", f"partner {name}", "")
        session.commit()
        click.echo(f"client_id={partner.client_id}")
        click.echo(f"client_secret={secret}")


@partners_cli.command("revoke")
@click.argument("name")
def revoke_command(name: str) -> None:
    """NAME gets no more tokens, and the tokens it has stop working."""
    with runtime_of(current_app).clients.sessions() as session:
        try:
            registry.revoke(session, name)
        except registry.PartnerError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        record(session, ACTOR, "partner revoked", f"partner {name}", "")
        session.commit()
        click.echo(f"{name} revoked")


@partners_cli.command("keygen")
def keygen_command() -> None:
    """Print a new DCI_SIGNING_KEY (keep it secret; its public half is served at /dci/.well-known/jwks.json)."""
    click.echo(new_seed())


def init_app(app: Flask) -> None:
    app.cli.add_command(partners_cli)
