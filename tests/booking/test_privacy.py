"""Manage links are bearer tokens: kept out of caches, Referer headers and request logs."""
import logging
from types import SimpleNamespace

import pytest

from practice.security.redact_tokens import RedactTokens
from tests.booking.test_views import details_form, page
from tests.factories import make_practitioner, make_service, make_weekly_hours


@pytest.fixture
def offer(app):
    with app.app_context():
        practitioner = make_practitioner(timezone="Europe/London")
        make_weekly_hours(practitioner)
        massage = make_service(practitioner)
        return SimpleNamespace(path=f"/book/{practitioner.slug}/{massage.id}")


def manage_url(client, offer) -> str:
    form = details_form(client, offer)
    confirm = page(client.post(form["action"], data=form["fields"])).form("/confirm$")
    return client.post(confirm["action"], data=confirm["fields"]).location


def test_the_manage_page_is_kept_out_of_caches_and_referer_headers(client, offer):
    response = client.get(manage_url(client, offer))

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_an_unknown_manage_link_is_kept_private_too(client):
    response = client.get("/manage/not-a-token")

    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_filter_redacts_manage_tokens_from_a_werkzeug_access_line():
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, "%s - - [%s] %s\n",
        ("127.0.0.1", "date", '"GET /manage/abc.def HTTP/1.1" 200 -'), None,
    )

    assert RedactTokens().filter(record) is True
    assert record.getMessage() == '127.0.0.1 - - [date] "GET /manage/… HTTP/1.1" 200 -\n'


def test_the_filter_redacts_reset_tokens_and_keeps_the_rest_of_the_path():
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, "GET /reset/abc.def and /manage/x.y/cancel?tz=UTC", None, None,
    )

    RedactTokens().filter(record)

    assert record.getMessage() == "GET /reset/… and /manage/…/cancel?tz=UTC"


def test_the_app_installs_the_filter_on_the_werkzeug_logger(app):
    assert [f for f in logging.getLogger("werkzeug").filters if isinstance(f, RedactTokens)]
