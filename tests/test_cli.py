"""Flask commands: create-practice sets up a practice and its owner whether or not sign-up is open."""
from sqlalchemy import select

from practice.accounts.models import Practice, Practitioner
from practice.extensions import db
from tests.factories import make_practitioner

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
