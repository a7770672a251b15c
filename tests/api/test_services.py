"""GET /api/v1/services: the published services, and nothing about anyone; on SQLite and PostgreSQL."""
import pytest

from practice.catalog.models import ServiceStatus
from tests.factories import make_practitioner, make_service

SERVICE_KEYS = {"id", "practice", "practitioner", "name", "duration_minutes", "price_cents", "currency", "capacity"}


@pytest.fixture
def client(any_app):
    return any_app.test_client()


@pytest.fixture
def catalog(any_app):
    with any_app.app_context():
        practitioner = make_practitioner(slug="ada-moss")
        published = make_service(practitioner, name="Grief counseling", price_cents=5500, capacity=1)
        circle = make_service(practitioner, name="Support circle", price_cents=0, capacity=8)
        make_service(practitioner, name="Draft idea", status=ServiceStatus.draft)
        make_service(practitioner, name="Old offer", status=ServiceStatus.archived)
        return {"published": published.id, "circle": circle.id, "practice": practitioner.practice.slug}


def test_lists_only_published_services(client, catalog):
    response = client.get("/api/v1/services")

    assert response.status_code == 200
    names = {s["name"] for s in response.get_json()["services"]}
    assert names == {"Grief counseling", "Support circle"}


def test_each_service_has_exactly_the_public_keys(client, catalog):
    services = client.get("/api/v1/services").get_json()["services"]

    assert all(set(s) == SERVICE_KEYS for s in services)
    circle = next(s for s in services if s["id"] == catalog["circle"])
    assert circle == {
        "id": catalog["circle"],
        "practice": catalog["practice"],
        "practitioner": "ada-moss",
        "name": "Support circle",
        "duration_minutes": 60,
        "price_cents": 0,
        "currency": "GBP",
        "capacity": 8,
    }


def test_each_service_names_the_practice_that_offers_it(any_app, client):
    with any_app.app_context():
        for practice_slug, name in (("stillwater", "Restorative massage"), ("harbour", "Grief counseling")):
            make_service(make_practitioner(practice_slug=practice_slug), name=name)

    services = client.get("/api/v1/services").get_json()["services"]

    assert {(s["practice"], s["name"]) for s in services} == {
        ("stillwater", "Restorative massage"), ("harbour", "Grief counseling")
    }


def test_no_services_is_an_empty_list(client):
    response = client.get("/api/v1/services")

    assert response.status_code == 200
    assert response.get_json() == {"services": []}


def test_services_set_no_cookie(client, catalog):
    response = client.get("/api/v1/services")

    assert "Set-Cookie" not in response.headers
