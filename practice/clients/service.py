"""Client records: find a practice's client by email, or make one, keeping their details current."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from practice.clients.models import Client
from practice.extensions import db


@dataclass(frozen=True)
class ClientContact:
    """What a client tells the practice about themselves when they book."""

    name: str
    email: str
    phone: str = ""
    preferred_name: str = ""
    pronouns: str = ""


def normalised_email(address: str) -> str:
    """The one form an address is stored and looked up in: trimmed and lower-cased.

    Mail systems treat the local part as case-insensitive in practice, and people type
    their address both ways; the same person must be the same client.
    """
    return address.strip().lower()


def client_for(practice_id: int, contact: ClientContact, *, now: datetime) -> Client:
    """The practice's client with this email, made if new, in the caller's transaction.

    A returning client is recognised without an account. What they typed this time replaces
    what we had, field by field, except where they left a field empty: a booking made in a
    hurry without a phone number does not erase the number given last time.
    """
    email = normalised_email(contact.email)
    client = client_by_email(practice_id, email)
    if client is None:
        client = _new_client(practice_id, email, contact, now)
    _refresh(client, contact, now)
    return client


def client_by_email(practice_id: int, email: str) -> Client | None:
    return db.session.scalar(
        select(Client).where(Client.practice_id == practice_id, Client.email == normalised_email(email))
    )


def _new_client(practice_id: int, email: str, contact: ClientContact, now: datetime) -> Client:
    client = Client(practice_id=practice_id, email=email, name=contact.name, created_at=now, updated_at=now)
    try:
        # A savepoint: two practitioners of one practice may book the same new client at once
        # (their bookings lock different rows), and the loser must find the winner's record.
        with db.session.begin_nested():
            db.session.add(client)
    except IntegrityError:
        client = client_by_email(practice_id, email)
    return client


def _refresh(client: Client, contact: ClientContact, now: datetime) -> None:
    changed = False
    for field in ("name", "preferred_name", "pronouns", "phone"):
        value = getattr(contact, field)
        if value and getattr(client, field) != value:
            setattr(client, field, value)
            changed = True
    if changed:
        client.updated_at = now
