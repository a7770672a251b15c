"""Price parsing and service rules, without the web layer."""
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from practice.catalog import service
from practice.catalog.models import LocationKind, ServiceStatus
from tests.factories import make_practitioner, make_service

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
DETAILS = service.ServiceDetails(
    name="Grief counseling", duration_minutes=50, price_cents=7000,
    location_kind=LocationKind.video, location_detail="https://meet.example.org/room",
)


@pytest.mark.parametrize(
    ("currency", "highest"),
    [("GBP", 10_000_000), ("EUR", 10_000_000), ("JPY", 100_000_000), ("KRW", 100_000_000), ("KWD", 100_000_000)],
)
def test_the_highest_price_depends_on_the_currency(currency, highest):
    assert service.max_price(currency) == highest
    assert "price" not in service.check_details(replace(DETAILS, price_cents=highest), currency)
    assert "price" in service.check_details(replace(DETAILS, price_cents=highest + 1), currency)


@pytest.mark.parametrize(
    ("kind", "detail", "ok"),
    [
        (LocationKind.video, "https://meet.example.org/room", True),
        (LocationKind.video, "", True),
        (LocationKind.video, "http://meet.example.org/room", False),
        (LocationKind.video, "https://", False),
        (LocationKind.video, "https://meet.example.org/a room", False),
        (LocationKind.video, "javascript:alert(1)", False),
        (LocationKind.in_person, "", False),
        (LocationKind.in_person, "1 Garden Row", True),
        (LocationKind.phone, "", True),
    ],
)
def test_location_detail_rules(kind, detail, ok):
    errors = service.check_details(
        service.ServiceDetails(**{**DETAILS.__dict__, "location_kind": kind, "location_detail": detail}), "GBP"
    )

    assert ("location_detail" not in errors) is ok


def test_create_service_starts_as_a_draft(app):
    with app.app_context():
        created = service.create_service(make_practitioner(), DETAILS, NOW)

        assert created.status is ServiceStatus.draft
        assert created.price_cents == 7000


def test_a_new_service_follows_the_general_hours(app):
    with app.app_context():
        created = service.create_service(make_practitioner(), DETAILS, NOW)

        assert created.own_hours is False


def test_editing_a_service_keeps_its_own_hours(app):
    with app.app_context():
        circle = make_service(make_practitioner(), own_hours=True)

        service.update_service(circle, DETAILS)

        assert circle.own_hours is True


@pytest.mark.parametrize(
    ("start", "action", "end"),
    [
        (ServiceStatus.draft, "publish", ServiceStatus.published),
        (ServiceStatus.published, "unpublish", ServiceStatus.draft),
        (ServiceStatus.draft, "archive", ServiceStatus.archived),
        (ServiceStatus.published, "archive", ServiceStatus.archived),
        (ServiceStatus.archived, "restore", ServiceStatus.draft),
        (ServiceStatus.published, "publish", ServiceStatus.published),
        (ServiceStatus.archived, "archive", ServiceStatus.archived),
        (ServiceStatus.draft, "restore", ServiceStatus.draft),
    ],
)
def test_change_status_moves_between_allowed_states(app, start, action, end):
    with app.app_context():
        offered = make_service(make_practitioner(), status=start)

        assert service.change_status(offered, action).status is end


@pytest.mark.parametrize(
    ("start", "action"),
    [(ServiceStatus.archived, "publish"), (ServiceStatus.archived, "unpublish")],
)
def test_an_archived_service_must_be_restored_before_anything_else(app, start, action):
    with app.app_context():
        offered = make_service(make_practitioner(), status=start)

        with pytest.raises(service.CatalogError):
            service.change_status(offered, action)
        assert offered.status is start
