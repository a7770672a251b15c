"""Flask commands: seed-demo."""
from datetime import datetime, timezone

import click
from flask import Flask
from flask.cli import with_appcontext

from practice import demo


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create the demo practice (idempotent) and print how to log in."""
    created = demo.seed_demo(now=datetime.now(timezone.utc))
    click.echo("Demo practice is ready." if created else "Demo practice was already there.")
    for login in demo.DEMO_LOGINS:
        click.echo(f"  log in at /login as {login} with password {demo.DEMO_PASSWORD}")


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
