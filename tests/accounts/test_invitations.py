"""Joining a practice by invitation: the owner invites, the link works once and expires, nobody else can."""
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from practice.accounts import invitations
from practice.accounts.models import Invitation, Practice, Practitioner, Role
from practice.extensions import db
from practice.notifications.models import MessageKind, OutboxMessage
from practice.security.audit import Actor
from practice.security.models import AuditAction, AuditEvent
from tests.factories import PASSWORD, make_practitioner

JOINING = {"name": "Imogen Reyes", "profession": "Grief counselor", "password": "a long enough password"}


def invitation_path(app) -> str:
    with app.app_context():
        message = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == MessageKind.invitation).order_by(OutboxMessage.id.desc())
        ).first()
        return urlsplit(re.search(r"https?://\S+/join/\S+", message.body_text).group(0)).path


def invite(client, email="imogen@example.org"):
    return client.post("/admin/team/invitations", data={"email": email})


def test_the_owner_invites_and_the_invitation_is_emailed_and_audited(app, client, logged_in):
    response = invite(client)

    assert response.status_code == 303
    assert b"imogen@example.org" in client.get("/admin/team").data
    with app.app_context():
        (message,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.invitation))
        assert message.recipient == "imogen@example.org"
        assert "/join/" in message.body_text and "/join/" not in message.subject
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.invitation_sent))
        assert event.actor_id == logged_in.id


def test_the_invited_person_sets_a_password_and_joins_as_a_practitioner(app, client, logged_in):
    invite(client)
    path = invitation_path(app)
    newcomer = app.test_client()

    page = newcomer.get(path)
    response = newcomer.post(path, data=JOINING)

    assert page.status_code == 200 and b"Join Practice" in page.data
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert response.status_code == 303
    assert newcomer.get("/admin/").status_code == 200
    with app.app_context():
        joined = db.session.scalar(select(Practitioner).where(Practitioner.email == "imogen@example.org"))
        assert joined.practice_id == logged_in.practice_id
        assert joined.membership.role is Role.practitioner
        assert (joined.name, joined.profession) == ("Imogen Reyes", "Grief counselor")


def test_the_link_works_only_once(app, client, logged_in):
    invite(client)
    path = invitation_path(app)
    app.test_client().post(path, data=JOINING)

    again = app.test_client().post(path, data={**JOINING, "name": "Someone Else"})

    assert again.status_code == 400
    assert b"This invitation can" in again.data
    with app.app_context():
        assert db.session.scalar(select(Practitioner).where(Practitioner.name == "Someone Else")) is None


def test_the_link_expires_after_a_week(app, logged_in):
    now = datetime.now(timezone.utc)
    with app.app_context():
        actor = Actor(logged_in.id, logged_in.practice_id, True)
        invitation = invitations.invite(logged_in.practice_id, "late@example.org", actor=actor, secret_key="test-secret", now=now)
        token = invitations.invitation_token(invitation, "test-secret")

        assert invitations.open_invitation_for(token, "test-secret", now=now + timedelta(days=6)) is not None
        assert invitations.open_invitation_for(token, "test-secret", now=now + timedelta(days=7, seconds=1)) is None


def test_inviting_again_withdraws_the_earlier_link(app, client, logged_in):
    invite(client)
    first = invitation_path(app)
    invite(client)
    second = invitation_path(app)

    assert first != second
    assert app.test_client().get(first).status_code == 400
    assert app.test_client().get(second).status_code == 200


def test_a_withdrawn_invitation_no_longer_works(app, client, logged_in):
    invite(client)
    path = invitation_path(app)
    with app.app_context():
        invitation_id = db.session.scalar(select(Invitation.id))

    assert client.post(f"/admin/team/invitations/{invitation_id}/withdraw").status_code == 303
    assert app.test_client().get(path).status_code == 400


def test_an_address_that_already_has_an_account_cannot_be_invited(app, client, logged_in):
    response = invite(client, logged_in.email)

    assert response.status_code == 422
    assert b"already has an account" in response.data


@pytest.mark.parametrize("token", ["nonsense", "eyJpbnZpdGF0aW9uIjoxfQ.forged", "x" * 400])
def test_a_bad_link_is_refused_calmly(client, token):
    response = client.get(f"/join/{token}")

    assert response.status_code == 400
    assert b"Please ask the practice" in response.data


def test_a_practitioner_who_is_not_the_owner_cannot_invite_or_see_the_team(app, client, auth, practitioner):
    with app.app_context():
        email = make_practitioner(practice=db.session.get(Practice, practitioner.practice_id)).email
    auth.login(email, PASSWORD)

    assert client.get("/admin/team").status_code == 404
    assert invite(client).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Invitation)) is None


def test_an_open_invitation_is_one_per_address_even_when_two_race(app, logged_in):
    now = datetime.now(timezone.utc)
    with app.app_context():
        actor = Actor(logged_in.id, logged_in.practice_id, True)
        invitations.invite(logged_in.practice_id, "race@example.org", actor=actor, secret_key="test-secret", now=now)
        # As if a second request had read before the first one wrote: the partial unique index refuses it.
        db.session.add(Invitation(practice_id=logged_in.practice_id, email="race@example.org", invited_by_id=logged_in.id,
                                  created_at=now, expires_at=now + timedelta(days=7)))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
