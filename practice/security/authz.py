"""The one rule for who may see or change what: an owner their whole practice, a practitioner
their own bookings, services and hours, and a client's intake its practitioner alone; anyone
else nothing (and is told nothing exists).

It knows no model: each model says, with `__access__`, whether its rows are a practitioner's
own (they carry `practitioner_id`) or the practice's as a whole, and carries `practice_id`.
"""
from typing import TypeVar

from flask import abort
from sqlalchemy import ColumnElement, and_

from practice.extensions import db
from practice.security.access import Access
from practice.security.audit import Actor
from practice.sqltypes import MAX_ID

Row = TypeVar("Row")


def may_manage(actor: Actor, row) -> bool:
    """Whether `actor` may see and change `row`."""
    access = getattr(type(row), "__access__", None)
    if not isinstance(access, Access):
        raise TypeError(f"no rule says who may manage a {type(row).__name__}: give it an __access__")
    if actor.practitioner_id is None or row.practice_id != actor.practice_id:
        return False
    if access is Access.practice:
        return actor.is_owner
    if access is Access.holder:
        return holds(actor, row)
    return actor.is_owner or holds(actor, row)


def holds(actor: Actor, row) -> bool:
    """Whether the row (one with practice_id and practitioner_id) is the actor's own."""
    return actor.practitioner_id is not None and (row.practice_id, row.practitioner_id) == (
        actor.practice_id, actor.practitioner_id
    )


def found_or_404(model: type[Row], row_id: int, actor: Actor) -> Row:
    """The row if `actor` may manage it; otherwise 404, never 403: another practice's ids are
    not even confirmed to exist."""
    row = db.session.get(model, row_id) if 0 < row_id <= MAX_ID else None
    if row is None or not may_manage(actor, row):
        abort(404)
    return row


def visible_to(actor: Actor, model) -> ColumnElement[bool]:
    """SQL filter for the rows of `model` (one with practice_id and practitioner_id columns) that `actor` may see in a list."""
    in_practice = model.practice_id == actor.practice_id
    if actor.is_owner and model.__access__ is not Access.holder:
        return in_practice
    return and_(in_practice, model.practitioner_id == actor.practitioner_id)


def require_owner(actor: Actor) -> None:
    """Pages of the practice as a whole (settings, team, audit) are the owner's alone: 404 for anyone else."""
    if not actor.is_owner:
        abort(404)
