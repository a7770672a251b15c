"""Every admin page belongs to the logged-in practitioner: others' ids are 404, visitors go to login."""
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from practice.booking.models import Booking, BookingStatus
from practice.catalog.models import Service, ServiceStatus
from practice.extensions import db
from practice.scheduling.models import DateOverride, TimeOff, WeeklyHours
from tests.factories import make_practitioner, make_service, make_weekly_hours

#: Every admin route that takes another object's id: (method, path template).
ROUTES_WITH_IDS = [
    ("GET", "/admin/services/{service}/edit"),
    ("POST", "/admin/services/{service}/edit"),
    ("POST", "/admin/services/{service}/publish"),
    ("POST", "/admin/services/{service}/unpublish"),
    ("POST", "/admin/services/{service}/archive"),
    ("POST", "/admin/services/{service}/restore"),
    ("POST", "/admin/availability/weekly/{weekly}/remove"),
    ("POST", "/admin/availability/overrides/{override}/remove"),
    ("POST", "/admin/availability/time-off/{time_off}/remove"),
    ("GET", "/admin/bookings/{booking}"),
    ("POST", "/admin/bookings/{booking}/cancel"),
    ("GET", "/admin/bookings/{booking}/reschedule"),
    ("GET", "/admin/bookings/{booking}/reschedule/confirm"),
    ("POST", "/admin/bookings/{booking}/reschedule"),
]

ROUTES_WITHOUT_IDS = [
    ("GET", "/admin/"),
    ("GET", "/admin/profile"),
    ("POST", "/admin/profile"),
    ("GET", "/admin/services"),
    ("GET", "/admin/services/new"),
    ("POST", "/admin/services/new"),
    ("GET", "/admin/availability"),
    ("POST", "/admin/availability/weekly"),
    ("POST", "/admin/availability/overrides"),
    ("POST", "/admin/availability/time-off"),
    ("POST", "/admin/availability/window"),
]

SERVICE_FORM = {
    "name": "Taken over", "duration_minutes": "60", "price": "1.00", "currency": "GBP",
    "location_kind": "in_person", "location_detail": "Elsewhere", "capacity": "1",
    "buffer_before_minutes": "0", "buffer_after_minutes": "0", "slot_step_minutes": "30",
}


@pytest.fixture
def owner(app):
    """A practitioner with one of everything; their ids, and a snapshot of what must not change."""
    with app.app_context():
        practitioner = make_practitioner(name="Owner")
        offered = make_service(practitioner, name="Owner's service", status=ServiceStatus.published)
        make_weekly_hours(practitioner, weekdays=[0])
        override = DateOverride(practitioner_id=practitioner.id, day=date.today() + timedelta(days=30))
        now = datetime.now(timezone.utc)
        away = TimeOff(practitioner_id=practitioner.id, starts_at=now + timedelta(days=40), ends_at=now + timedelta(days=41))
        starts = now + timedelta(days=3)
        booking = Booking(
            practitioner_id=practitioner.id, service_id=offered.id, starts_at=starts, ends_at=starts + timedelta(hours=1),
            blocked_start=starts, blocked_end=starts + timedelta(hours=1), client_name="Owner's client",
            client_email="client@example.org", client_timezone="Europe/London",
        )
        db.session.add_all([override, away, booking])
        db.session.commit()
        weekly = db.session.scalar(db.select(WeeklyHours.id).where(WeeklyHours.practitioner_id == practitioner.id))
        return SimpleNamespace(
            ids={"service": offered.id, "weekly": weekly, "override": override.id, "time_off": away.id, "booking": booking.id},
            email=practitioner.email,
        )


@pytest.fixture
def intruder(app, auth):
    """Another practitioner, logged in."""
    with app.app_context():
        email = make_practitioner(name="Intruder").email
    auth.login(email)


def untouched(app, owner) -> bool:
    with app.app_context():
        service = db.session.get(Service, owner.ids["service"])
        booking = db.session.get(Booking, owner.ids["booking"])
        return (
            service.name == "Owner's service"
            and service.status is ServiceStatus.published
            and booking.status is BookingStatus.confirmed
            and db.session.get(WeeklyHours, owner.ids["weekly"]) is not None
            and db.session.get(DateOverride, owner.ids["override"]) is not None
            and db.session.get(TimeOff, owner.ids["time_off"]) is not None
        )


@pytest.mark.parametrize(("method", "path"), ROUTES_WITH_IDS, ids=[f"{m} {p}" for m, p in ROUTES_WITH_IDS])
def test_another_practitioners_object_is_not_found(app, client, owner, intruder, method, path):
    response = client.open(path.format(**owner.ids), method=method, data=SERVICE_FORM if method == "POST" else None)

    assert response.status_code == 404
    assert untouched(app, owner)


@pytest.mark.parametrize(("method", "path"), ROUTES_WITH_IDS + ROUTES_WITHOUT_IDS, ids=[f"{m} {p}" for m, p in ROUTES_WITH_IDS + ROUTES_WITHOUT_IDS])
def test_a_visitor_is_sent_to_log_in(app, client, owner, method, path):
    response = client.open(path.format(**owner.ids), method=method, data=SERVICE_FORM if method == "POST" else None)

    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    assert untouched(app, owner)


#: A page listing the practitioner's own things, and text that shows only to the owner.
LISTS = [
    ("/admin/", "Owner&#39;s client"),
    ("/admin/services", "Owner&#39;s service"),
    ("/admin/availability", "09:00–17:00"),
    ("/admin/profile", 'value="Owner"'),
]


@pytest.mark.parametrize(("path", "owners_text"), LISTS)
def test_lists_show_the_owner_their_own(client, auth, owner, path, owners_text):
    auth.login(owner.email)

    assert owners_text in client.get(path).data.decode()


@pytest.mark.parametrize(("path", "owners_text"), LISTS)
def test_lists_never_show_another_practitioners(client, owner, intruder, path, owners_text):
    response = client.get(path)

    assert response.status_code == 200
    assert owners_text not in response.data.decode()


@pytest.mark.parametrize("path", ["/admin/bookings/{big}", "/admin/services/{big}/edit"])
def test_an_id_too_large_for_the_database_is_not_found(client, intruder, path):
    assert client.get(path.format(big=10**30)).status_code == 404
