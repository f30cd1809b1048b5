"""`flask ussd dial PHONE`: play the service in a terminal, through the real webhook."""

from __future__ import annotations

import uuid

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ussd_app.text.encoding import measure


@click.group("ussd", cls=AppGroup, help="Try the USSD service by hand.")
def ussd_cli() -> None:
    pass


@ussd_cli.command("dial")
@click.argument("phone")
@click.option("--code", default="*211#", show_default=True, help="The short code dialled.")
@click.option("--network", default="41801", show_default=True, help="Network code sent with each hop.")
def dial_command(phone: str, code: str, network: str) -> None:
    """Dial the service as PHONE. Type a reply at each screen; q quits."""
    client = current_app.test_client()
    session_id = f"cli-{uuid.uuid4().hex[:12]}"
    inputs: list[str] = []
    token = current_app.config["USSD_WEBHOOK_TOKEN"]
    url = "/ussd/africastalking" + (f"?token={token}" if token else "")
    while True:
        response = client.post(url, data={"sessionId": session_id, "serviceCode": code, "phoneNumber": phone,
                                          "networkCode": network, "text": "*".join(inputs)})
        body = response.get_data(as_text=True)
        if response.status_code != 200:
            raise click.ClickException(f"HTTP {response.status_code}: {body}")
        kind, _, screen = body.partition(" ")
        encoding, length = measure(screen)
        click.echo("┌" + "─" * 40)
        for line in screen.split("\n"):
            click.echo("│ " + line)
        click.echo(f"└ {kind} · {length} chars · {encoding}")
        if kind == "END":
            return
        reply = click.prompt(">", default="", show_default=False, prompt_suffix=" ")
        if reply.strip().lower() == "q":
            return
        inputs.append(reply.strip())


DEMO_PHONES = (
    ("+8562055512345", "linked, PIN 2580, enterprise, over 60: pension eligible (Lao)"),
    ("+8562055523456", "linked, PIN 2580, voluntary scheme, behind on payments (Lao)"),
    ("+8562055534567", "not linked yet: try 'Link my phone' (SSN and birth date in README)"),
    ("+8562055556789", "linked, PIN 2580, no contributions yet (English)"),
    ("+8562099990000", "not a member: the public menu; 3 then 1 joins the voluntary scheme"),
    ("+8562099991111", "applied to join by phone: waiting in the console's Applications queue"),
    ("+8562099992222", "approved by staff: chooses a PIN on the first dial, then sees the amount due"),
)


@ussd_cli.command("how-to-dial")
@click.option("--port", default=8000, show_default=True)
def how_to_dial_command(port: int) -> None:
    """Print how to reach the service running on this machine."""
    url = f"http://127.0.0.1:{port}/ussd/africastalking"
    click.echo("")
    click.echo(f"LSSO Connect will listen on http://127.0.0.1:{port}")
    click.echo("Dial (text is every key pressed so far, joined by '*'):")
    click.echo(f"  curl -s {url} -d sessionId=demo1 --data-urlencode serviceCode='*211#' \\")
    click.echo("       --data-urlencode phoneNumber=+8562055512345 -d networkCode=41801 -d text=")
    click.echo("  then the same with -d text=1, then -d 'text=1*2580' …")
    click.echo("Or play it in this terminal: .venv/bin/flask --app wsgi ussd dial +8562055512345")
    click.echo(f"Admin console: http://127.0.0.1:{port}/admin  (demo: admin@lsso.example / lsso-demo-2026)")
    click.echo("Demo phones:")
    for phone, what in DEMO_PHONES:
        click.echo(f"  {phone}  {what}")
    click.echo("")


def init_app(app: Flask) -> None:
    app.cli.add_command(ussd_cli)
