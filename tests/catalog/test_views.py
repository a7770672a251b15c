"""The services pages: create, edit, publish, unpublish, archive, restore."""
import pytest
from sqlalchemy import func, select

from practice.accounts.models import Practitioner
from practice.catalog.models import LocationKind, Service, ServiceStatus
from practice.extensions import db
from tests.factories import log_in_as, make_practitioner, make_service

NEW_SERVICE = {
    "name": "Pregnancy-loss recovery massage",
    "description": "A slow, supportive massage.",
    "duration_minutes": "60",
    "price": "65.00",
    "payment_mode": "at_visit",
    "location_kind": "in_person",
    "location_detail": "14 Alder Lane",
    "capacity": "1",
    "buffer_before_minutes": "0",
    "buffer_after_minutes": "15",
    "slot_step_minutes": "30",
}


def service_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Service.id)))


@pytest.fixture
def existing(any_app, logged_in):
    """A published service of the logged-in practitioner; its id."""
    with any_app.app_context():
        practitioner = db.session.get(Practitioner, logged_in.id)
        return make_service(practitioner, name="Original name").id


def stored(app, service_id: int) -> Service:
    with app.app_context():
        found = db.session.get(Service, service_id)
        db.session.expunge(found)
        return found


def test_services_page_lists_the_practitioners_services(client, existing):
    response = client.get("/admin/services")

    assert response.status_code == 200
    assert b"Original name" in response.data


def test_services_page_links_to_each_services_times(any_app, client, existing, logged_in):
    with any_app.app_context():
        circle = make_service(db.session.get(Practitioner, logged_in.id), name="Circle", own_hours=True).id

    page = client.get("/admin/services").data.decode()

    assert f'href="/admin/availability/services/{existing}" aria-label="Times: Original name"' in page
    assert f'href="/admin/availability/services/{circle}" aria-label="Times: Circle"' in page
    assert page.count("Offered only at its own times.") == 1


def test_new_service_form_renders(client, logged_in):
    response = client.get("/admin/services/new")

    assert response.status_code == 200
    assert b'name="price"' in response.data


def test_create_service_saves_a_draft_with_the_price_in_cents(any_app, client, logged_in):
    response = client.post("/admin/services/new", data=NEW_SERVICE)

    assert response.status_code == 303
    with any_app.app_context():
        created = db.session.scalar(select(Service))
        assert created.practitioner_id == logged_in.id
        assert created.status is ServiceStatus.draft
        assert (created.price_cents, created.currency) == (6500, "GBP")
        assert (created.duration_minutes, created.buffer_after_minutes, created.slot_step_minutes) == (60, 15, 30)
        assert created.location_kind is LocationKind.in_person


def test_create_a_group_video_service(any_app, client, logged_in):
    client.post(
        "/admin/services/new",
        data={**NEW_SERVICE, "capacity": "12", "location_kind": "video", "location_detail": "https://meet.example.org/circle"},
    )

    with any_app.app_context():
        created = db.session.scalar(select(Service))
        assert created.is_group and created.location_kind is LocationKind.video


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("price", "-5", b"can&#39;t be negative"),
        ("price", "12.345", b"two decimal places"),
        ("price", "twelve", b"as a number"),
        ("price", "", b"enter a price"),
        ("duration_minutes", "0", b"from 5 to 720 minutes"),
        ("duration_minutes", "721", b"from 5 to 720 minutes"),
        ("duration_minutes", "sixty", b"whole number"),
        ("buffer_before_minutes", "241", b"from 0 to 240 minutes"),
        ("buffer_after_minutes", "-1", b"whole number"),
        ("slot_step_minutes", "4", b"from 5 to 240 minutes"),
        ("capacity", "0", b"between 1 (one-to-one)"),
        ("name", "x" * 10_240, b"under 120 characters"),
        ("name", "   ", b"give the service a name"),
        ("location_kind", "moon", b"in person, video or phone"),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 30 else None,
)
def test_create_service_with_bad_input_writes_nothing(any_app, client, logged_in, field, value, message):
    response = client.post("/admin/services/new", data={**NEW_SERVICE, field: value})

    assert response.status_code == 422
    assert message in response.data
    assert service_count(any_app) == 0


@pytest.mark.parametrize("link", ["http://meet.example.org/room", "meet.example.org/room", "https://"])
def test_a_video_link_must_be_https(any_app, client, logged_in, link):
    response = client.post("/admin/services/new", data={**NEW_SERVICE, "location_kind": "video", "location_detail": link})

    assert response.status_code == 422
    assert b"https://" in response.data
    assert service_count(any_app) == 0


def test_an_in_person_service_needs_an_address(any_app, client, logged_in):
    response = client.post("/admin/services/new", data={**NEW_SERVICE, "location_detail": ""})

    assert response.status_code == 422
    assert service_count(any_app) == 0


def test_a_field_left_out_of_the_request_is_refused(any_app, client, logged_in):
    data = {key: value for key, value in NEW_SERVICE.items() if key != "price"}

    response = client.post("/admin/services/new", data=data)

    assert response.status_code == 422
    assert service_count(any_app) == 0


def test_edit_form_shows_the_price_as_a_decimal(client, existing):
    response = client.get(f"/admin/services/{existing}/edit")

    assert response.status_code == 200
    assert b'value="70.00"' in response.data
    assert b'<option selected value="in_person">' in response.data


def test_edit_service_saves_the_changes(any_app, client, existing):
    response = client.post(f"/admin/services/{existing}/edit", data={**NEW_SERVICE, "name": "Renamed", "price": "80"})

    assert response.status_code == 303
    saved = stored(any_app, existing)
    assert (saved.name, saved.price_cents) == ("Renamed", 8000)


def test_edit_service_with_bad_input_changes_nothing(any_app, client, existing):
    response = client.post(f"/admin/services/{existing}/edit", data={**NEW_SERVICE, "name": "Renamed", "price": "-1"})

    assert response.status_code == 422
    assert stored(any_app, existing).name == "Original name"


def test_unpublish_makes_a_service_a_draft(any_app, client, existing):
    response = client.post(f"/admin/services/{existing}/unpublish")

    assert response.status_code == 303
    assert stored(any_app, existing).status is ServiceStatus.draft


def test_publish_makes_a_draft_bookable(any_app, client, existing):
    client.post(f"/admin/services/{existing}/unpublish")

    client.post(f"/admin/services/{existing}/publish")

    assert stored(any_app, existing).status is ServiceStatus.published


def test_archive_hides_a_service_from_the_public_pages(any_app, client, existing, logged_in):
    assert client.get(f"/book/{logged_in.practice_slug}/{logged_in.slug}/{existing}").status_code == 200

    client.post(f"/admin/services/{existing}/archive")

    assert stored(any_app, existing).status is ServiceStatus.archived
    assert client.get(f"/book/{logged_in.practice_slug}/{logged_in.slug}/{existing}").status_code == 404


def test_archived_services_are_listed_apart_with_a_restore_button(client, existing):
    client.post(f"/admin/services/{existing}/archive")

    client.get("/admin/services")  # shows the flash message, which names the service
    page = client.get("/admin/services").data.decode()

    current, archived = page.split("<summary>Archived services", 1)
    assert "Original name" not in current
    assert "Original name" in archived
    assert f"/admin/services/{existing}/restore" in archived


def test_restore_brings_an_archived_service_back_as_a_draft(any_app, client, existing):
    client.post(f"/admin/services/{existing}/archive")

    response = client.post(f"/admin/services/{existing}/restore")

    assert response.status_code == 303
    assert stored(any_app, existing).status is ServiceStatus.draft


def test_publishing_an_archived_service_is_refused(any_app, client, existing):
    client.post(f"/admin/services/{existing}/archive")

    response = client.post(f"/admin/services/{existing}/publish")

    assert response.status_code == 409
    assert b"Restore it to a draft first" in response.data
    assert stored(any_app, existing).status is ServiceStatus.archived


def test_status_changes_need_a_post(client, existing):
    assert client.get(f"/admin/services/{existing}/archive").status_code == 405


def test_prices_follow_the_practices_currency_in_yen(any_app):
    with any_app.app_context():
        owner = make_practitioner(currency="JPY")
        client = any_app.test_client()
        log_in_as(client, owner)

    whole = client.post("/admin/services/new", data={**NEW_SERVICE, "price": "6500"})
    fraction = client.post("/admin/services/new", data={**NEW_SERVICE, "name": "Another", "price": "65.50"})

    assert whole.status_code == 303
    assert fraction.status_code == 422 and b"whole amount" in fraction.data
    with any_app.app_context():
        created = db.session.scalar(select(Service))
        assert (created.price_cents, created.currency) == (6500, "JPY")
        page = client.get(f"/admin/services/{created.id}/edit").data
    assert b'value="6500"' in page and b"In JPY" in page
    assert "¥6,500" in client.get("/admin/services").get_data(as_text=True)
