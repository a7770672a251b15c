"""The retention purge: clients whose last session ended longer ago than their practice keeps
records are erased, by the service, the `flask purge-expired` command and the worker's daily task."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from practice import worker
from practice.accounts.models import Practice
from practice.catalog.models import Service
from practice.clients.models import Client
from practice.extensions import db
from practice.intake.models import ErasureOutcome, ErasureRequest, IntakeResponse
from practice.privacy import service
from practice.security.models import AuditAction, AuditEvent
from tests.factories import make_booking
from tests.privacy.test_service import ANSWER, BOOKED, EMAIL, NAME, ask_for_erasure, every_audit_value, make_practice_with_client

#: Far enough ahead that Marigold's session (BOOKED) ended more than 7 years before, the practice's
#: retention period, and that her record (made as the test runs, just after BOOKED) is older too.
LONG_AFTER = BOOKED + timedelta(days=8 * 366)
#: Not quite 7 years after it.
NOT_YET = BOOKED + timedelta(days=7 * 365 - 3)


def purge(app, now: datetime) -> int:
    with app.app_context():
        return service.purge_expired(now=now)


def erased_ids(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(Client.id).where(Client.erased_at.is_not(None))))


def client_at(app, booked, starts_at: datetime, name: str, email: str) -> int:
    """Another client of the same service, booked at `starts_at`."""
    with app.app_context():
        booking = make_booking(db.session.get(Service, booked.service_id), starts_at, client_name=name, client_email=email)
        return booking.client_id


def test_purge_erases_only_the_clients_past_the_retention_period(any_app):
    booked = make_practice_with_client(any_app)
    recent = client_at(any_app, booked, BOOKED + timedelta(days=3 * 365), "Recent Client", "recent@example.org")

    assert purge(any_app, LONG_AFTER) == 1

    assert erased_ids(any_app) == {booked.client_id}
    with any_app.app_context():
        assert db.session.get(Client, recent).name == "Recent Client"
        assert db.session.scalar(select(func.count(IntakeResponse.id))) == 0
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.client_erased))
        assert (event.object_id, event.actor_id, event.detail) == (booked.client_id, None, "retention period ended")
    trail = every_audit_value(any_app)
    for value in (NAME, EMAIL, ANSWER):
        assert value not in trail


def test_purge_waits_for_the_whole_retention_period(app):
    booked = make_practice_with_client(app)

    assert purge(app, NOT_YET) == 0
    assert erased_ids(app) == set()
    assert purge(app, LONG_AFTER) == 1
    assert erased_ids(app) == {booked.client_id}


def test_purge_follows_each_practices_own_retention_period(app):
    booked = make_practice_with_client(app)
    with app.app_context():
        db.session.get(Practice, booked.practice_id).retention_years = 1
        db.session.commit()

    assert purge(app, BOOKED + timedelta(days=400)) == 1


def test_purge_leaves_a_client_with_a_session_to_come(app):
    booked = make_practice_with_client(app)
    client_id = booked.client_id
    with app.app_context():
        make_booking(db.session.get(Service, booked.service_id), LONG_AFTER + timedelta(days=2), client=db.session.get(Client, client_id))

    assert purge(app, LONG_AFTER) == 0
    assert erased_ids(app) == set()


def test_purge_completes_an_open_request_as_the_end_of_retention(app):
    booked = make_practice_with_client(app)
    ask_for_erasure(app, booked)

    purge(app, LONG_AFTER)

    with app.app_context():
        request = db.session.scalar(select(ErasureRequest))
        assert (request.completed_at, request.outcome) == (LONG_AFTER, ErasureOutcome.retention)


def test_purge_erases_each_client_once(app):
    make_practice_with_client(app)

    assert purge(app, LONG_AFTER) == 1
    assert purge(app, LONG_AFTER + timedelta(days=1)) == 0


def test_the_worker_purges_once_a_day_at_night():
    def runs_at(hour: int, minute: int) -> bool:
        return "purge_expired" in {task.name for task in worker.huey.read_periodic(datetime(2030, 3, 4, hour, minute))}

    assert [(hour, minute) for hour in range(24) for minute in range(60) if runs_at(hour, minute)] == [(3, 23)]


def test_the_daily_task_erases_expired_clients(app):
    # BOOKED is ten days ago; a session over seven years ago has passed the default retention period.
    booked = make_practice_with_client(app, starts_at=datetime.now(timezone.utc) - timedelta(days=8 * 366))
    with app.app_context():
        db.session.get(Client, booked.client_id).created_at = datetime.now(timezone.utc) - timedelta(days=9 * 366)
        db.session.commit()

        worker.huey.execute(worker.purge_expired.s())

    assert erased_ids(app) == {booked.client_id}
