"""Writing and reading the audit trail; entries join the caller's transaction and are never changed."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from practice.extensions import begin_write_transaction, db
from practice.security.models import AuditAction, AuditEvent

#: The audit page shows this many entries at a time.
PAGE_SIZE = 100


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in practitioner (with their practice and role), or a visitor."""

    practitioner_id: int | None = None
    practice_id: int | None = None
    is_owner: bool = False
    ip_address: str = ""


VISITOR = Actor()


def record(
    action: AuditAction,
    *,
    actor: Actor,
    now: datetime,
    practice_id: int | None = None,
    object_type: str = "",
    object_id: int | None = None,
    detail: str = "",
) -> AuditEvent:
    """Add one entry to the caller's transaction; it is saved when the caller commits.

    `detail` is shown to the practice's owner: names of fields or settings, never their values.
    """
    event = AuditEvent(
        practice_id=practice_id if practice_id is not None else actor.practice_id,
        actor_id=actor.practitioner_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail[:300],
        ip_address=(actor.ip_address or "")[:45],
        created_at=now,
    )
    db.session.add(event)
    return event


def record_now(action: AuditAction, **kwargs) -> None:
    """record() in a write transaction of its own, for reads that change nothing else.

    Whatever the caller had loaded is reloaded afterwards as it is used.
    """
    begin_write_transaction()
    record(action, **kwargs)
    db.session.commit()


def events_for(practice_id: int, *, page: int = 1) -> tuple[list[AuditEvent], bool]:
    """One page of the practice's trail, newest first; and whether there are older entries."""
    events = db.session.scalars(
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(AuditEvent.practice_id == practice_id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    ).all()
    return list(events[:PAGE_SIZE]), len(events) > PAGE_SIZE
