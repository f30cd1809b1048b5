"""`flask partners …`: register the schemes that query LSSO through the partner API.

    flask --app wsgi partners add NAME --scope SCOPE [--scope …] --purpose CODE [--purpose …]
          [--basis law|consent] [--callback-url URL] [--public-key FILE] [--label-lo TEXT --label-en TEXT]
    flask --app wsgi partners list | rotate-secret NAME | revoke NAME | keygen
    flask --app wsgi partners demo | receive [--port 8001]     (trying the API on `make run`)
"""

from __future__ import annotations

import json
import sys
import time
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


DEMO_PARTNERS = (
    # (name, scopes, purposes, basis, labels): a scheme by law that may read everything, and one
    # that needs each member's yes (its question is in the linked member's USSD menu).
    ("welfare.demo.la", [s.value for s in Scope], ["coordinate-benefits", "verify-enrolment", "deduplicate"],
     Basis.LAW.value, {"lo": "ສະຫວັດດີການສັງຄົມ", "en": "Social welfare"}),
    ("ngo.demo.la", [Scope.SEARCH.value], ["verify-enrolment"], Basis.CONSENT.value,
     {"lo": "ຊ່ວຍຜູ້ສູງອາຍຸ", "en": "Help for the elderly"}),
)


@partners_cli.command("demo")
@click.option("--callback-url", default="http://127.0.0.1:8001/partner",
              help="where the demo partner's callbacks and notifications go (`partners receive` listens there)")
def demo_command(callback_url: str) -> None:
    """`make run`: the demo partners, made if missing, each with a fresh secret printed."""
    with runtime_of(current_app).clients.sessions() as session:
        for name, scopes, purposes, basis, labels in DEMO_PARTNERS:
            try:
                partner, secret = registry.rotate_secret(session, name)
            except registry.PartnerError:
                partner, secret = registry.add(session, name, scopes, purposes, basis, callback_url, None, labels)
            record(session, ACTOR, "demo partner credentials", f"partner {name}", "")
            if basis == Basis.LAW.value:
                click.echo(f"Demo partner {name} (scopes {partner.scopes}; callbacks to {partner.callback_url}):")
                click.echo(f"client_id={partner.client_id}")
                click.echo(f"client_secret={secret}")
        session.commit()


@partners_cli.command("receive")
@click.option("--port", default=8001, show_default=True)
def receive_command(port: int) -> None:
    """A partner's side, for trying the async calls: listen on 127.0.0.1:PORT and print each callback
    and notification LSSO posts, with whether its signature checks out against our key."""
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from ussd_app.dci.api import dci_of
    from ussd_app.dci.keys import BadSignature, verify

    ours = dci_of(current_app).key.private.public_key()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            try:
                verify(body.get("signature"), body.get("header"), body.get("message"), ours, time.time())
                signed = "signature ok"
            except BadSignature as exc:
                signed = f"BAD SIGNATURE: {exc}"
            click.echo(f"--- POST {self.path} ({signed})")
            click.echo(json.dumps({k: body.get(k) for k in ("header", "message")}, indent=2, ensure_ascii=False))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    click.echo(f"listening on http://127.0.0.1:{port}/ (Ctrl-C stops)")
    HTTPServer(("127.0.0.1", port), Receiver).serve_forever()


@partners_cli.command("keygen")
def keygen_command() -> None:
    """Print a new DCI_SIGNING_KEY (keep it secret; its public half is served at /dci/.well-known/jwks.json)."""
    click.echo(new_seed())


def init_app(app: Flask) -> None:
    app.cli.add_command(partners_cli)
