"""Privacy: the note and phone are sealed at rest; manage links are kept out of caches, Referer headers and logs."""
import logging
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select, text

from practice.booking.models import Booking
from practice.extensions import db
from practice.security.redact_tokens import RedactTokens
from tests.booking.test_views import details_form, page
from tests.factories import make_practitioner, make_service, make_weekly_hours, service_path

NOTE = "Private-note: my brother died in March"
PHONE = "+44 20 7946 0991"


def make_offer(app) -> SimpleNamespace:
    with app.app_context():
        practitioner = make_practitioner(timezone="Europe/London")
        make_weekly_hours(practitioner)
        return SimpleNamespace(path=service_path(make_service(practitioner)))


def manage_url(client, offer, **details) -> str:
    """Book through the web form, as a client would; the manage page's address."""
    form = details_form(client, offer, **details)
    confirm = page(client.post(form["action"], data=form["fields"])).form("/confirm$")
    return client.post(confirm["action"], data=confirm["fields"]).location


def test_the_note_and_phone_are_sealed_in_the_database_and_read_back_through_the_orm(any_app):
    manage_url(any_app.test_client(), make_offer(any_app), note=NOTE, phone=PHONE)

    with any_app.app_context():
        raw_notes = db.session.scalars(text("SELECT client_note FROM booking")).all()
        raw_phones = db.session.scalars(text("SELECT phone FROM client")).all()
        booking = db.session.scalar(select(Booking))
        assert (booking.client_note, booking.client.phone) == (NOTE, PHONE)
    assert len(raw_notes) == len(raw_phones) == 1
    assert raw_notes[0] and NOTE not in raw_notes[0] and "brother" not in raw_notes[0]
    assert raw_phones[0] and PHONE not in raw_phones[0] and "7946" not in raw_phones[0]


def test_the_note_and_phone_are_nowhere_in_the_sqlite_file(app):
    manage_url(app.test_client(), make_offer(app), name="Jo Rivers", note=NOTE, phone=PHONE)

    with app.app_context():
        # Closing every connection checkpoints the write-ahead log into the file.
        db.engine.dispose()
        path = Path(db.engine.url.database)
    stored = b"".join(part.read_bytes() for part in path.parent.glob(f"{path.name}*"))

    assert b"Jo Rivers" in stored  # the name is not sealed: the file is really being read
    assert NOTE.encode() not in stored and b"brother" not in stored
    assert PHONE.encode() not in stored


def test_the_manage_page_is_kept_out_of_caches_and_referer_headers(any_app):
    client = any_app.test_client()
    response = client.get(manage_url(client, make_offer(any_app)))

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


def test_the_filter_redacts_payment_return_tokens_but_not_the_pay_step():
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, "GET /pay/abc.def/return and POST /book/p/r/1/pay", None, None,
    )

    RedactTokens().filter(record)

    assert record.getMessage() == "GET /pay/…/return and POST /book/p/r/1/pay"


def test_the_app_installs_the_filter_on_the_werkzeug_logger(app):
    assert [f for f in logging.getLogger("werkzeug").filters if isinstance(f, RedactTokens)]
