"""The one rule for who may see or change what: an owner their whole practice, a practitioner
their own bookings, services and hours, anyone else nothing (and is told nothing exists)."""
from typing import TypeVar

from flask import abort
from sqlalchemy import ColumnElement, and_, select

from practice.accounts.models import Invitation, Membership, Practice, Practitioner
from practice.booking.models import Booking
from practice.catalog.models import Service
from practice.clients.models import Client
from practice.extensions import db
from practice.notifications.models import OutboxMessage
from practice.scheduling.models import DateOverride, TimeOff, WeeklyHours
from practice.security.audit import Actor
from practice.security.models import AuditEvent
from practice.sqltypes import MAX_ID

Row = TypeVar("Row")

#: Rows that belong to one practitioner and carry their practice's id.
PRACTITIONERS_WORK = (Booking, Service, OutboxMessage)
#: Rows that belong to one practitioner and reach their practice through the membership.
PRACTITIONERS_HOURS = (WeeklyHours, DateOverride, TimeOff)
#: Rows only the practice's owner sees.
PRACTICE_RECORDS = (Invitation, AuditEvent, Client)


def may_manage(actor: Actor, row) -> bool:
    """Whether `actor` may see and change `row`."""
    if actor.practitioner_id is None or actor.practice_id is None:
        return False
    if isinstance(row, Practice):
        return actor.is_owner and row.id == actor.practice_id
    if isinstance(row, PRACTICE_RECORDS):
        return actor.is_owner and row.practice_id == actor.practice_id
    if isinstance(row, Practitioner):
        return row.id == actor.practitioner_id or (actor.is_owner and row.practice_id == actor.practice_id)
    if isinstance(row, PRACTITIONERS_WORK):
        return row.practice_id == actor.practice_id and _own_or_owner(actor, row.practitioner_id)
    if isinstance(row, PRACTITIONERS_HOURS):
        return _practice_of(row.practitioner_id) == actor.practice_id and _own_or_owner(actor, row.practitioner_id)
    raise TypeError(f"no rule says who may manage a {type(row).__name__}")


def found_or_404(model: type[Row], row_id: int, actor: Actor) -> Row:
    """The row if `actor` may manage it; otherwise 404, never 403: another practice's ids are
    not even confirmed to exist."""
    row = db.session.get(model, row_id) if 0 < row_id <= MAX_ID else None
    if row is None or not may_manage(actor, row):
        abort(404)
    return row


def practitioner_or_404(practitioner_id: int, actor: Actor) -> Practitioner:
    return found_or_404(Practitioner, practitioner_id, actor)


def visible_to(actor: Actor, model) -> ColumnElement[bool]:
    """SQL filter for the rows of `model` (one of PRACTITIONERS_WORK) that `actor` may see in a list."""
    in_practice = model.practice_id == actor.practice_id
    if actor.is_owner:
        return in_practice
    return and_(in_practice, model.practitioner_id == actor.practitioner_id)


def require_owner(actor: Actor) -> None:
    """Pages of the practice as a whole (settings, team, audit) are the owner's alone: 404 for anyone else."""
    if not actor.is_owner:
        abort(404)


def _own_or_owner(actor: Actor, practitioner_id: int) -> bool:
    return actor.is_owner or practitioner_id == actor.practitioner_id


def _practice_of(practitioner_id: int) -> int | None:
    return db.session.scalar(select(Membership.practice_id).where(Membership.practitioner_id == practitioner_id))


