"""Price parsing and service rules, without the web layer."""
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from practice.catalog import service
from practice.catalog.models import LocationKind, ServiceStatus
from tests.factories import make_practitioner, make_service

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
DETAILS = service.ServiceDetails(
    name="Grief counseling", duration_minutes=50, price_cents=7000,
    location_kind=LocationKind.video, location_detail="https://meet.example.org/room",
)


@pytest.mark.parametrize(
    ("text", "cents"),
    [("65", 6500), ("65.00", 6500), ("65.5", 6550), ("0", 0), ("0.01", 1), (" 12.34 ", 1234), ("100000", 10_000_000)],
)
def test_price_to_cents_reads_plain_amounts_exactly(text, cents):
    assert service.price_to_cents(text) == cents


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-5", "negative"),
        ("-0.01", "negative"),
        ("12.345", "two decimal places"),
        ("1e3", "as a number"),
        ("NaN", "as a number"),
        ("Infinity", "as a number"),
        ("£65", "as a number"),
        ("1,000", "as a number"),
        ("", "enter a price"),
        ("100000.01", "higher than"),
    ],
)
def test_price_to_cents_refuses_anything_else_with_a_reason(text, reason):
    with pytest.raises(service.PriceError, match=reason):
        service.price_to_cents(text)


@given(st.integers(min_value=0, max_value=service.MAX_PRICE_CENTS))
def test_a_price_shown_in_the_form_reads_back_as_the_same_cents(cents):
    assert service.price_to_cents(service.cents_to_price(cents)) == cents


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
        service.ServiceDetails(**{**DETAILS.__dict__, "location_kind": kind, "location_detail": detail})
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
