"""Joining a practice: the owner invites by email; the link works once, until it expires."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from practice.accounts.models import Invitation, Membership, Practitioner, Role
from practice.accounts.passwords import hash_password
from practice.accounts.service import (
    AccountError,
    PersonProfile,
    join_practice,
    normalized_email,
    password_errors,
    person_errors,
    practitioner_by_email,
)
from practice.accounts.signals import practitioner_invited
from practice.email_addresses import address_problem
from practice.extensions import begin_write_transaction, db
from practice.external_urls import external_url
from practice.security import audit
from practice.security.audit import Actor
from practice.security.models import AuditAction

SALT = "tend.invitation"
#: Long enough to reach someone on holiday, short enough that a forgotten email goes stale.
LIFETIME = timedelta(days=7)


class InvalidInvitation(Exception):
    """The invitation link is malformed, expired, withdrawn or already used."""


@dataclass(frozen=True)
class Member:
    practitioner: Practitioner
    role: Role

    @property
    def is_owner(self) -> bool:
        return self.role is Role.owner


def invite(practice_id: int, email: str, *, actor: Actor, secret_key: str, now: datetime) -> Invitation:
    """Invite `email` to join the practice as a practitioner and owe them the link; raise AccountError instead.

    Inviting an address again withdraws its earlier invitation, so only the newest link works.
    """
    email = normalized_email(email)
    if message := address_problem(email):
        raise AccountError({"email": message})
    begin_write_transaction()
    if practitioner_by_email(email) is not None:
        db.session.rollback()
        raise AccountError({"email": "That address already has an account here, so it can't be invited again."})
    _withdraw_open(practice_id, email, now)
    invitation = Invitation(
        practice_id=practice_id, email=email, role=Role.practitioner, invited_by_id=actor.practitioner_id,
        created_at=now, expires_at=now + LIFETIME,
    )
    db.session.add(invitation)
    try:
        db.session.flush()
    except IntegrityError:
        # Another tap on "send" invited the same address a moment ago (one open invitation each).
        db.session.rollback()
        raise AccountError({"email": "An invitation to that address was just sent: it is in the list below."}) from None
    invitation_url = external_url("accounts.accept_invitation", token=invitation_token(invitation, secret_key))
    practitioner_invited.send(invitation, invitation_url=invitation_url, now=now)
    audit.record(AuditAction.invitation_sent, actor=actor, now=now, object_type="invitation", object_id=invitation.id)
    db.session.commit()
    return invitation


def revoke(invitation: Invitation, *, actor: Actor, now: datetime) -> bool:
    """Withdraw an open invitation so its link stops working; False if it was no longer open."""
    invitation_id = invitation.id
    begin_write_transaction()
    invitation = db.session.get(Invitation, invitation_id)
    if not invitation.is_open(now):
        db.session.rollback()
        return False
    invitation.revoked_at = now
    audit.record(AuditAction.invitation_revoked, actor=actor, now=now, object_type="invitation", object_id=invitation_id)
    db.session.commit()
    return True


def invitation_token(invitation: Invitation, secret_key: str) -> str:
    # The id only: what makes a link dead (used, withdrawn, expired) is kept in the database.
    return URLSafeSerializer(secret_key, salt=SALT).dumps({"invitation": invitation.id})


def open_invitation_for(token: str, secret_key: str, *, now: datetime) -> Invitation | None:
    """The invitation a link is for, if the link is ours and the invitation can still be accepted."""
    try:
        payload = URLSafeSerializer(secret_key, salt=SALT).loads(token)
    except BadData:
        return None
    invitation_id = payload.get("invitation") if isinstance(payload, dict) else None
    if not isinstance(invitation_id, int):
        return None
    invitation = db.session.get(Invitation, invitation_id)
    return invitation if invitation is not None and invitation.is_open(now) else None


def accept(
    token: str, *, person: PersonProfile, password: str, secret_key: str, ip_address: str, now: datetime
) -> Practitioner:
    """Make the invited person's account in the inviting practice; the link is then used up.

    Raises InvalidInvitation for a dead link and AccountError for what they typed.
    """
    if open_invitation_for(token, secret_key, now=now) is None:
        raise InvalidInvitation()
    errors = password_errors(password) | person_errors(person)
    if errors:
        raise AccountError(errors)
    # Made holding no write lock and no connection: scrypt is slow on purpose.
    db.session.rollback()
    password_hash = hash_password(password)
    begin_write_transaction()
    # Again under the lock: two tabs submitting one link must not make two accounts.
    invitation = open_invitation_for(token, secret_key, now=now)
    if invitation is None:
        db.session.rollback()
        raise InvalidInvitation()
    try:
        practitioner = join_practice(
            practice_id=invitation.practice_id, email=invitation.email, password_hash=password_hash,
            person=person, role=invitation.role, now=now,
        )
    except (AccountError, IntegrityError):
        db.session.rollback()
        raise AccountError({"name": "This invitation can't be used: that address already has an account."}) from None
    invitation.accepted_at, invitation.practitioner_id = now, practitioner.id
    audit.record(
        AuditAction.invitation_accepted,
        actor=Actor(practitioner.id, invitation.practice_id, invitation.role is Role.owner, ip_address),
        now=now, object_type="invitation", object_id=invitation.id,
    )
    db.session.commit()
    return practitioner


def members(practice_id: int) -> list[Member]:
    """The practice's people, the owner first."""
    rows = db.session.execute(
        select(Practitioner, Membership.role)
        .join(Membership, Membership.practitioner_id == Practitioner.id)
        .where(Membership.practice_id == practice_id)
        .order_by(Membership.role != Role.owner, Practitioner.name, Practitioner.id)
    ).all()
    return [Member(practitioner, role) for practitioner, role in rows]


def open_invitations(practice_id: int, now: datetime) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.practice_id == practice_id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def _withdraw_open(practice_id: int, email: str, now: datetime) -> None:
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.practice_id == practice_id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )

