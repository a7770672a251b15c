"""Intake answers stay sealed: a canary answer is found in no database dump, email, log line, error page or URL,
and every response stays readable after the data key is rotated."""
import logging
import re
import subprocess
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from practice import create_app
from practice.booking import free_times
from practice.booking import service as booking_service
from practice.booking.models import Booking
from practice.booking.service import ClientDetails
from practice.extensions import db
from practice.intake import service as intake
from practice.intake.models import IntakeResponse
from practice.notifications.models import OutboxMessage
from practice.security import sealing
from practice.security.sealing import DataKeyError
from tests.conftest import BASE_TEST_CONFIG
from tests.factories import make_practitioner, make_service, make_weekly_hours
from tests.postgres_server import PG_BIN_DIRS

#: Typed by the client into the grief form: a baby's name and words they would rather avoid.
CANARY = "Marigold-canary-4417"
OLD_KEY = BASE_TEST_CONFIG["PRACTICE_DATA_KEYS"]


def _booking_asking_for_grief_and_epds(now: datetime) -> tuple[int, int, int]:
    practitioner = make_practitioner(name="Imogen Reyes", min_notice_minutes=0)
    service = make_service(practitioner, name="Grief counseling")
    grief = intake.create_form(practitioner, template="grief", now=now)
    epds = intake.create_form(practitioner, template="epds", now=now)
    intake.set_services_asking(grief, [service.id])
    intake.set_services_asking(epds, [service.id])
    make_weekly_hours(practitioner, weekdays=range(7), start=time(8), end=time(20))
    start = free_times.open_slots(service, now + timedelta(days=2), now + timedelta(days=4), now)[0].start
    client = ClientDetails(name="Hannah Brooks", email="hannah@example.org", timezone="Europe/London")
    booking = booking_service.book(service_id=service.id, start=start, client=client, now=now)
    return booking.id, grief.id, epds.id


def _answers_by_service(app, now: datetime) -> int:
    """Fill both forms through the service, the canary in two questions and EPDS item 10 above zero."""
    with app.app_context():
        booking_id, grief_id, epds_id = _booking_asking_for_grief_and_epds(now)
        booking = db.session.get(Booking, booking_id)
        intake.save_page(booking, grief_id, 0, {}, now=now)
        intake.save_page(booking, grief_id, 1, {"q-referred_as": ["by_name"], "q-baby_name": [CANARY],
                                                "q-words_to_avoid": [f"Please never say {CANARY}"]}, now=now)
        intake.save_page(booking, epds_id, 0, {}, now=now)
        intake.save_page(booking, epds_id, 1, {"q-epds_10": ["2"]}, now=now)
        return booking_id


def test_the_canary_is_not_in_the_sqlite_file(app):
    now = datetime.now(timezone.utc)
    _answers_by_service(app, now)
    with app.app_context():
        path = Path(db.engine.url.database)
        db.engine.dispose()

    stored = b"".join(file.read_bytes() for file in path.parent.glob(f"{path.name}*"))
    assert CANARY.encode() not in stored


def test_the_canary_is_not_in_a_pg_dump(make_app):
    if not PG_BIN_DIRS:
        pytest.skip("pg_dump not installed")
    app = make_app("postgresql")
    _answers_by_service(app, datetime.now(timezone.utc))
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])

    dump = subprocess.run(
        [str(PG_BIN_DIRS[0] / "pg_dump"), "-h", url.host, "-p", str(url.port), "-U", url.username or "postgres",
         "--data-only", url.database],
        capture_output=True, check=True, timeout=60,
    ).stdout

    assert b"intake_response" in dump and b"gAAAA" in dump
    assert CANARY.encode() not in dump


def test_no_email_in_the_outbox_holds_the_canary(app):
    now = datetime.now(timezone.utc)
    booking_id = _answers_by_service(app, now)

    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage)).all()
        kinds = {message.kind.value for message in messages}
        contents = [
            f"{m.recipient}\n{m.subject}\n{m.body_text}\n{m.body_html}\n{m.ics or ''}" for m in messages
        ]
        flagged = db.session.scalar(select(IntakeResponse.attention_level).where(IntakeResponse.booking_id == booking_id).order_by(IntakeResponse.attention_level.desc()))

    assert {"booking_confirmed", "intake_attention"} <= kinds
    assert flagged == 2
    assert not [content for content in contents if CANARY in content]


def test_every_response_reads_back_after_the_data_key_is_rotated(make_app, tmp_path):
    keys_file = tmp_path / "data_keys"
    keys_file.write_text(OLD_KEY + "\n")
    app = make_app(DATA_KEYS_FILE=str(keys_file))
    booking_id = _answers_by_service(app, datetime.now(timezone.utc))

    result = app.test_cli_runner().invoke(args=["rotate-data-key", "--drop-old-keys"])

    assert result.exit_code == 0, result.output
    assert "intake_response.answers_json" in result.output
    new_key = keys_file.read_text().strip()
    rotated = _reopened(app, new_key)
    with rotated.app_context():
        responses = db.session.scalars(select(IntakeResponse).where(IntakeResponse.booking_id == booking_id)).all()
        assert any(CANARY in r.answers_json for r in responses)
        assert any(r.score_json and r.flag_reasons_json for r in responses)
        assert all(intake.summary(r).sections for r in responses)
        db.engine.dispose()
    with _reopened(app, OLD_KEY).app_context(), pytest.raises(DataKeyError):
        db.session.scalars(select(IntakeResponse.answers_json).where(IntakeResponse.answers_json != "")).all()


def _reopened(app, keys: str):
    return create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "PRACTICE_DATA_KEYS": keys})


# --- through the web, as a client ----------------------------------------------------------


class Visit:
    """A test client that remembers every URL it requested, was sent to, or saw in a page."""

    def __init__(self, client):
        self.client = client
        self.urls: list[str] = []

    def open(self, url: str, **kwargs):
        self.urls.append(url)
        response = self.client.open(url, **kwargs)
        self.urls.append(response.headers.get("Location", ""))
        if response.mimetype == "text/html":
            self.urls += re.findall(r'(?:href|action|src)="([^"]*)"', response.get_data(as_text=True))
        return response


def _fill_by_web(app, visit: Visit, now: datetime) -> tuple[int, str]:
    with app.app_context():
        booking_id, grief_id, _ = _booking_asking_for_grief_and_epds(now)
        token = intake.intake_token(db.session.get(Booking, booking_id))
        definition = intake.forms_for_service(db.session.get(Booking, booking_id).service_id)[0].latest.definition
    visit.open(f"/intake/{token}")
    visit.open(f"/intake/{token}/{grief_id}")
    for step, section in enumerate(definition.sections):
        posted = {}
        if section.key == "words":
            posted = {"q-referred_as": "by_name", "q-baby_name": CANARY, "q-words_to_avoid": f"Never {CANARY}"}
        visit.open(f"/intake/{token}/{grief_id}/{step}", method="GET")
        response = visit.open(f"/intake/{token}/{grief_id}/{step}", method="POST", data=posted)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return booking_id, token


def test_the_canary_is_in_no_url_and_no_log_line(app, caplog):
    caplog.set_level(logging.DEBUG)
    visit = Visit(app.test_client())

    _fill_by_web(app, visit, datetime.now(timezone.utc))

    urls = [unquote(url) for url in visit.urls if url]
    assert len(urls) > 10
    assert not [url for url in urls if CANARY in url]
    assert CANARY not in caplog.text


def test_the_error_page_of_a_failure_while_saving_holds_no_answer(app, caplog, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    caplog.set_level(logging.DEBUG)
    now = datetime.now(timezone.utc)
    with app.app_context():
        booking_id, grief_id, _ = _booking_asking_for_grief_and_epds(now)
        token = intake.intake_token(db.session.get(Booking, booking_id))

    def lost_key(plain: str) -> str:
        raise DataKeyError("a sealed value cannot be written: no data key")

    # The key store failing mid-save: the answer was already read from the form when it breaks.
    monkeypatch.setattr(sealing, "seal", lost_key)
    response = app.test_client().post(f"/intake/{token}/{grief_id}/0", data={"q-loss_own_words": f"{CANARY} was born still"})

    assert response.status_code == 500
    assert CANARY not in response.get_data(as_text=True)
    assert CANARY not in caplog.text
    with app.app_context():
        assert db.session.scalar(select(IntakeResponse.id)) is None, "nothing half-written"
