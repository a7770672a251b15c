"""New passwords are checked against the most common ones, at sign-up and at reset; old ones still log in."""
from datetime import datetime, timezone
from html import unescape

import pytest
from sqlalchemy import func, select

from practice.accounts import service
from practice.accounts.common_passwords import is_common_password
from practice.accounts.models import Practitioner
from practice.demo import DEMO_PASSWORD
from practice.extensions import db
from practice.security.audit import VISITOR
from tests.factories import PASSWORD

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
COMMON = ["password123", "qwertyuiop", "PassWord123"]
UNUSUAL = "quiet lanterns over the estuary"
SIGNUP = {
    "name": "Rowan Hale",
    "practice_name": "Stillwater Practice",
    "practice_slug": "stillwater",
    "timezone": "Europe/London",
    "email": "rowan@example.org",
}


def practitioner_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Practitioner.id)))


def reset_path(app, practitioner) -> str:
    with app.app_context():
        account = db.session.get(Practitioner, practitioner.id)
        return f"/reset/{service.password_reset_token(account, app.config['SECRET_KEY'])}"


@pytest.mark.parametrize("password", COMMON)
def test_sign_up_refuses_a_common_password_kindly(app, client, password):
    response = client.post("/signup", data=SIGNUP | {"password": password})

    assert response.status_code == 422
    assert service.COMMON_PASSWORD_MESSAGE in unescape(response.get_data(as_text=True))
    assert practitioner_count(app) == 0


@pytest.mark.parametrize("password", COMMON)
def test_a_reset_refuses_a_common_password_and_the_link_still_works(app, client, practitioner, password):
    path = reset_path(app, practitioner)

    response = client.post(path, data={"password": password, "confirm": password})

    assert response.status_code == 422
    assert service.COMMON_PASSWORD_MESSAGE in unescape(response.get_data(as_text=True))
    assert client.get(path).status_code == 200


def test_sign_up_accepts_a_long_unusual_passphrase(app, client):
    response = client.post("/signup", data=SIGNUP | {"password": UNUSUAL})

    assert response.status_code == 303
    assert practitioner_count(app) == 1


def test_a_reset_accepts_a_long_unusual_passphrase(app, client, practitioner):
    response = client.post(reset_path(app, practitioner), data={"password": UNUSUAL, "confirm": UNUSUAL})

    assert response.status_code == 303


def test_the_service_names_the_password_field(app):
    with app.app_context(), pytest.raises(service.AccountError) as refused:
        service.create_practice(
            email="rowan@example.org",
            password="qwertyuiop",
            person=service.PersonProfile(name="Rowan Hale"),
            practice=service.NewPractice(name="Stillwater Practice", slug="stillwater", timezone="Europe/London"),
            actor=VISITOR,
            now=NOW,
        )

    assert refused.value.field_errors == {"password": service.COMMON_PASSWORD_MESSAGE}


@pytest.mark.parametrize("password", [PASSWORD, DEMO_PASSWORD, UNUSUAL])
def test_the_passwords_the_tests_and_demo_use_are_not_common(password):
    assert not is_common_password(password)
