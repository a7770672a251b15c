"""Flask commands: seed-demo, create-practice, rotate-data-key, purge-expired."""
import os
from datetime import datetime, timezone
from pathlib import Path

import click
from cryptography.fernet import Fernet
from flask import Flask, current_app
from flask.cli import with_appcontext

from practice import demo
from practice.accounts import service as accounts
from practice.privacy import service as privacy
from practice.security import key_rotation
from practice.security.audit import Actor


def _now() -> datetime:
    return datetime.now(timezone.utc)


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create the demo practice (idempotent) and print how to log in."""
    created = demo.seed_demo(now=_now())
    click.echo("Demo practice is ready." if created else "Demo practice was already there.")
    for login in demo.DEMO_LOGINS:
        click.echo(f"  log in at /login as {login} with password {demo.DEMO_PASSWORD}")


@click.command("create-practice")
@click.option("--name", prompt="Practice name", help="What clients see, e.g. Stillwater Practice.")
@click.option("--slug", prompt="Web address (lowercase letters, digits, hyphens)", help="e.g. stillwater")
@click.option("--timezone", "zone", default="Europe/London", show_default=True, help="An IANA zone.")
@click.option("--owner-name", prompt="Your name")
@click.option("--owner-email", prompt="Your email (you log in with it)")
@click.password_option("--password", prompt="Password", help="At least 10 characters.")
@with_appcontext
def create_practice_command(name: str, slug: str, zone: str, owner_name: str, owner_email: str, password: str) -> None:
    """Set up a practice and its owner, whether or not sign-up is open."""
    try:
        accounts.create_practice(
            email=owner_email,
            password=password,
            person=accounts.PersonProfile(name=owner_name.strip()),
            practice=accounts.NewPractice(name=name.strip(), slug=slug.strip().lower(), timezone=zone),
            actor=Actor(),
            now=_now(),
        )
    except accounts.AccountError as refused:
        for message in refused.field_errors.values():
            click.echo(f"  {message}", err=True)
        raise click.ClickException("The practice was not created.") from None
    click.echo(f"{name} is ready. Log in at /login as {owner_email.strip().lower()}.")


@click.command("rotate-data-key")
@click.option("--keep-old-keys/--drop-old-keys", default=True, show_default=True,
              help="Keep the earlier keys in instance/data_keys, for backups sealed with them.")
@with_appcontext
def rotate_data_key_command(keep_old_keys: bool) -> None:
    """Re-encrypt every sealed value under a new data key.

    With the keys in instance/data_keys, a new key is made and put first there before any
    value is touched, so an interruption never leaves a value sealed with a key nobody has.
    With PRACTICE_DATA_KEYS set, put a new key first in it yourself, then run this.
    Stop the web server and the worker first: they still hold the old list until restarted.
    """
    keys_file = Path(current_app.config["DATA_KEYS_FILE"]) if current_app.config.get("DATA_KEYS_FILE") else None
    if keys_file is not None:
        keys = [Fernet.generate_key().decode("ascii"), *key_rotation.configured_keys()]
        _write_keys(keys_file, keys)
        key_rotation.use_keys(keys)
        click.echo(f"A new key is first in {keys_file}.")
    else:
        click.echo("Re-encrypting under the first key in PRACTICE_DATA_KEYS.")
    counts = key_rotation.reseal_everything(now=_now())
    for column, count in counts.items():
        click.echo(f"  {column}: {count} value{'s' if count != 1 else ''} re-encrypted")
    if keys_file is not None and not keep_old_keys:
        _write_keys(keys_file, keys[:1])
        click.echo("The earlier keys are removed: backups sealed with them can no longer be read.")


@click.command("purge-expired")
@with_appcontext
def purge_expired_command() -> None:
    """Erase every client whose last session ended longer ago than their practice keeps records.

    The worker runs this daily; it is safe to run again at any time.
    """
    erased = privacy.purge_expired(now=_now())
    click.echo(f"{erased} client record{'s' if erased != 1 else ''} erased at the end of the retention period.")


def _write_keys(path: Path, keys: list[str]) -> None:
    partial = path.with_name(f".{path.name}.partial")
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
        file.write(",".join(keys) + "\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_practice_command)
    app.cli.add_command(rotate_data_key_command)
    app.cli.add_command(purge_expired_command)
