"""The dashboard's questions, asked with a fixed clock."""
from datetime import date, datetime, timedelta, timezone

import pytest

from practice.accounts.models import Practitioner
from practice.admin import service
from practice.booking.models import BookingStatus
from practice.catalog.models import ServiceStatus
from practice.security.audit import Actor
from practice.booking.states import ChangedBy
from tests.factories import make_booking, make_practitioner, make_service, make_weekly_hours

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # 23:00 on Monday 2 March in Kiritimati (UTC+14)
ZONE = "Pacific/Kiritimati"


@pytest.fixture
def practitioner(app):
    """The owner of a practice in Kiritimati."""
    with app.app_context():
        yield make_practitioner(timezone=ZONE)


def actor(practitioner: Practitioner) -> Actor:
    return Actor(practitioner.id, practitioner.practice_id, practitioner.is_owner)


def upcoming(practitioner: Practitioner):
    return service.upcoming_by_day(actor(practitioner), ZONE, NOW)


def at(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


def test_upcoming_bookings_are_grouped_by_the_practices_local_day(practitioner):
    offered = make_service(practitioner)
    late_today = make_booking(offered, at(0.5))      # 23:30 local, 2 March
    after_midnight = make_booking(offered, at(1.5))  # 00:30 local, 3 March; still 2 March in UTC
    later = make_booking(offered, at(48.5))          # 23:30 local, 4 March

    days, more = upcoming(practitioner)

    assert [(d.day, d.bookings) for d in days] == [
        (date(2026, 3, 2), [late_today]),
        (date(2026, 3, 3), [after_midnight]),
        (date(2026, 3, 4), [later]),
    ]
    assert not more


def test_a_session_under_way_is_still_upcoming(practitioner):
    under_way = make_booking(make_service(practitioner), at(-0.5))

    days, _ = upcoming(practitioner)

    assert days[0].bookings == [under_way]


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": BookingStatus.cancelled},
        {"status": BookingStatus.held, "hold_expires_at": NOW - timedelta(minutes=1)},
    ],
    ids=["cancelled", "lapsed-hold"],
)
def test_bookings_that_keep_no_time_are_left_out(practitioner, overrides):
    make_booking(make_service(practitioner), at(5), **overrides)

    assert upcoming(practitioner) == ([], False)


def test_past_bookings_and_other_practices_bookings_are_left_out(practitioner):
    make_booking(make_service(practitioner), at(-3))
    make_booking(make_service(make_practitioner()), at(3))

    assert upcoming(practitioner) == ([], False)


def test_the_owner_sees_the_whole_practices_bookings(practitioner):
    colleague = make_practitioner(practitioner.practice)
    own = make_booking(make_service(practitioner), at(2))
    theirs = make_booking(make_service(colleague), at(3))

    days, _ = upcoming(practitioner)

    assert days[0].bookings == [own, theirs]


def test_a_practitioner_sees_only_their_own_bookings(practitioner):
    colleague = make_practitioner(practitioner.practice)
    make_booking(make_service(practitioner), at(2))
    theirs = make_booking(make_service(colleague), at(3))
    owners_cancelled = make_booking(make_service(practitioner), at(4), status=BookingStatus.cancelled,
                                    cancelled_at=NOW - timedelta(hours=1))

    days, _ = upcoming(colleague)

    assert days[0].bookings == [theirs]
    assert service.recently_cancelled(actor(colleague), NOW) == []
    assert service.recently_cancelled(actor(practitioner), NOW) == [owners_cancelled]


def test_a_live_hold_is_shown(practitioner):
    held = make_booking(make_service(practitioner), at(5), status=BookingStatus.held, hold_expires_at=NOW + timedelta(minutes=10))

    days, _ = upcoming(practitioner)

    assert days[0].bookings == [held]


def test_the_dashboard_says_when_it_shows_only_some(practitioner, monkeypatch):
    monkeypatch.setattr(service, "UPCOMING_LIMIT", 2)
    offered = make_service(practitioner)
    for hours in (1, 2, 3):
        make_booking(offered, at(hours))

    days, more = upcoming(practitioner)

    assert sum(len(d.bookings) for d in days) == 2 and more


def test_recently_cancelled_lists_last_weeks_cancellations_newest_first(practitioner):
    offered = make_service(practitioner)
    older = make_booking(offered, at(24), status=BookingStatus.cancelled, cancelled_at=NOW - timedelta(days=2))
    newer = make_booking(offered, at(30), status=BookingStatus.cancelled, cancelled_at=NOW - timedelta(hours=1))
    make_booking(offered, at(40), status=BookingStatus.cancelled, cancelled_at=NOW - timedelta(days=8))

    assert service.recently_cancelled(actor(practitioner), NOW) == [newer, older]


def test_recently_cancelled_leaves_out_holds_that_lapsed_unpaid(practitioner):
    make_booking(make_service(practitioner), at(24), status=BookingStatus.cancelled,
                 cancelled_at=NOW - timedelta(hours=1), cancelled_by=ChangedBy.expiry)

    assert service.recently_cancelled(actor(practitioner), NOW) == []


def test_setup_progress_for_a_new_practice(practitioner):
    progress = service.setup_progress(practitioner)

    assert not progress.has_published_service and not progress.has_weekly_hours


def test_setup_progress_ignores_drafts(practitioner):
    make_service(practitioner, status=ServiceStatus.draft)
    make_weekly_hours(practitioner, weekdays=[0])

    progress = service.setup_progress(practitioner)

    assert (progress.has_published_service, progress.has_weekly_hours) == (False, True)
