"""Flask commands: create-practice sets up a practice and its owner whether or not sign-up is open;
purge-expired erases the clients past their practice's retention period and says how many."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from practice.accounts.models import Practice, Practitioner
from practice.clients.models import Client
from practice.extensions import db
from tests.factories import make_booking, make_practitioner, make_service

ARGS = [
    "create-practice", "--name", "Quiet Harbour", "--slug", "quiet-harbour", "--timezone", "Europe/Dublin",
    "--owner-name", "Ada Moss", "--owner-email", "Ada@Example.org", "--password", "a long enough password",
]


def test_create_practice_makes_a_practice_owned_by_the_person_named(app):
    with app.app_context():
        make_practitioner()  # sign-up is closed from here on; the command still works

    result = app.test_cli_runner().invoke(args=ARGS)

    assert result.exit_code == 0, result.output
    assert "Quiet Harbour is ready" in result.output
    with app.app_context():
        owner = db.session.scalar(select(Practitioner).where(Practitioner.email == "ada@example.org"))
        assert owner.is_owner and owner.check_password("a long enough password")
        assert (owner.practice.name, owner.practice.slug, owner.practice.timezone) == ("Quiet Harbour", "quiet-harbour", "Europe/Dublin")


def test_create_practice_says_what_is_wrong_and_makes_nothing(app):
    result = app.test_cli_runner().invoke(args=[*ARGS[:-1], "short"])

    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    with app.app_context():
        assert db.session.scalar(select(Practice)) is None


def test_purge_expired_erases_the_clients_past_retention_and_says_how_many(app):
    long_ago = datetime.now(timezone.utc) - timedelta(days=8 * 366)
    with app.app_context():
        offered = make_service(make_practitioner())
        expired = make_booking(offered, long_ago, client_email="long-ago@example.org").client
        expired.created_at = long_ago - timedelta(days=1)
        recent = make_booking(offered, long_ago + timedelta(days=3 * 366), client_email="recent@example.org").client_id
        db.session.commit()
        expired_id = expired.id

    result = app.test_cli_runner().invoke(args=["purge-expired"])

    assert result.exit_code == 0, result.output
    assert "1 client record erased" in result.output
    with app.app_context():
        assert db.session.scalars(select(Client.id).where(Client.erased_at.is_not(None))).all() == [expired_id]
        assert db.session.get(Client, recent).erased_at is None
