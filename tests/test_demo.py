"""The demo practice: an owner and the counselor she invited; its remembrance circle meets only on the first Thursday evening of the month."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from practice.accounts.models import Invitation, Practice, Practitioner, Role
from practice.booking import free_times
from practice.booking.models import Booking, BookingStatus
from practice.catalog.models import Service
from practice.demo import CIRCLE_EVENING, first_thursdays, seed_demo
from practice.extensions import db
from practice.intake import service as intake
from practice.intake.definitions import Attention
from practice.intake.models import IntakeResponse
from practice.scheduling.models import DateOverride
from tests.factories import make_practitioner, make_service, make_weekly_hours

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2027, 2, 20, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # April 2027 starts on a Thursday.
        (datetime(2027, 2, 20, 12, tzinfo=timezone.utc), [date(2027, 3, 4), date(2027, 4, 1), date(2027, 5, 6)]),
        # This month's circle is still to come that evening (19:00 GMT is 19:00 UTC).
        (datetime(2027, 3, 4, 18, 59, tzinfo=timezone.utc), [date(2027, 3, 4), date(2027, 4, 1), date(2027, 5, 6)]),
        (datetime(2027, 3, 4, 19, 0, tzinfo=timezone.utc), [date(2027, 4, 1), date(2027, 5, 6), date(2027, 6, 3)]),
        # Across the new year.
        (datetime(2026, 12, 10, tzinfo=timezone.utc), [date(2027, 1, 7), date(2027, 2, 4), date(2027, 3, 4)]),
    ],
)
def test_first_thursdays_are_the_next_circle_evenings_still_ahead(now, expected):
    assert first_thursdays(now, 3, CIRCLE_EVENING[0]) == expected


@pytest.fixture
def seeded(app):
    with app.app_context():
        seed_demo(NOW)
        yield db.session.scalar(select(Service).where(Service.name == "Monthly remembrance circle"))


def test_the_demo_is_stillwater_practice_owned_by_rowan_who_invited_imogen(seeded):
    practice = db.session.scalars(select(Practice)).one()
    rowan, imogen = (db.session.scalars(select(Practitioner).where(Practitioner.name == name)).one()
                     for name in ("Rowan Hale", "Imogen Reyes"))

    assert (practice.name, practice.slug) == ("Stillwater Practice", "stillwater")
    assert (rowan.practice_id, rowan.membership.role, rowan.profession) == (practice.id, Role.owner, "Massage therapist")
    assert (imogen.practice_id, imogen.membership.role, imogen.profession) == (practice.id, Role.practitioner, "Grief counselor")
    invitation = db.session.scalars(select(Invitation)).one()
    assert (invitation.email, invitation.invited_by_id, invitation.practitioner_id) == (imogen.email, rowan.id, imogen.id)
    assert invitation.accepted_at is not None and not invitation.is_open(NOW)


def test_the_demo_bookings_are_the_practices_with_clients_of_its_own(seeded):
    bookings = db.session.scalars(select(Booking)).all()

    assert bookings
    assert {b.practice_id for b in bookings} == {b.client.practice_id for b in bookings} == {seeded.practice_id}


def test_the_demo_takes_another_address_when_stillwater_is_taken(app):
    with app.app_context():
        make_practitioner(practice_slug="stillwater", practice_name="A real Stillwater")

        seed_demo(NOW)

        assert db.session.scalar(select(Practice.slug).where(Practice.name == "Stillwater Practice")) == "stillwater-2"


def test_the_demo_circle_keeps_its_own_hours_on_three_first_thursdays(seeded):
    rows = db.session.scalars(select(DateOverride).where(DateOverride.service_id == seeded.id).order_by(DateOverride.day)).all()

    assert seeded.own_hours
    assert [(r.day, r.start_time, r.end_time) for r in rows] == [
        (day, time(19), time(20, 30)) for day in (date(2027, 3, 4), date(2027, 4, 1), date(2027, 5, 6))
    ]


def test_the_demo_circle_is_bookable_only_on_those_evenings(seeded):
    offered = free_times.open_slots(seeded, NOW, NOW + timedelta(days=60), NOW)

    # The practice takes bookings 60 days ahead, so May's evening is not open yet.
    assert [slot.start.astimezone(LONDON) for slot in offered] == [
        datetime(2027, 3, 4, 19, tzinfo=LONDON), datetime(2027, 4, 1, 19, tzinfo=LONDON),
    ]
    assert offered[0].remaining == 12


def test_seeding_the_demo_again_adds_nothing(seeded):
    counts = db.session.scalar(select(func.count(DateOverride.id)))

    assert seed_demo(NOW + timedelta(days=40)) is False
    assert db.session.scalar(select(func.count(DateOverride.id))) == counts == 3


def test_seeding_the_demo_books_nothing_in_a_real_practice(app):
    with app.app_context():
        # Created first, so its service would be the first one-to-one service the seed finds.
        real = make_practitioner(timezone="Europe/London", min_notice_minutes=0)
        make_weekly_hours(real)
        make_service(real, name="A real client's massage")

        seed_demo(NOW)

        booked_for = db.session.scalars(select(Service.practitioner_id).join(Booking, Booking.service_id == Service.id)).all()
        assert booked_for and real.id not in booked_for


def test_the_demo_services_ask_for_intake_forms(seeded):
    asked = {
        service.name: [form.template for form in intake.forms_for_service(service.id)]
        for service in db.session.scalars(select(Service))
    }

    assert asked["Pregnancy-loss recovery massage"] == ["massage"]
    assert asked["Grief counseling after pregnancy loss"] == ["grief", "epds"]
    assert asked["Monthly remembrance circle"] == []


def test_hannahs_demo_intake_is_sent_and_asks_rowan_to_check_before_the_session(seeded):
    response = db.session.scalars(select(IntakeResponse)).one()

    assert response.is_submitted
    assert response.booking.client.email == "hannah@example.org"
    assert response.attention is Attention.check_before_session
    assert intake.flag_reasons(response) == ["No medical clearance yet"]


def test_with_stripe_keys_the_demo_still_books_its_paid_services(make_app):
    app = make_app(STRIPE_SECRET_KEY="sk_test_demo", STRIPE_WEBHOOK_SECRET="whsec_demo")
    with app.app_context():
        seed_demo(NOW)
        booked = {b.service.name for b in db.session.scalars(select(Booking).where(Booking.status == BookingStatus.confirmed))}

    assert {"Pregnancy-loss recovery massage", "Grief counseling after pregnancy loss"} <= booked
