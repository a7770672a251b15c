"""A client's emails follow the language they booked in, whoever's request builds them; a practitioner's stay English."""
import re
import shutil

import pytest
from icalendar import Calendar

from practice import create_app
from practice.extensions import db
from practice.notifications.models import CLIENT_KINDS, MessageKind
from tests.conftest import BASE_TEST_CONFIG
from tests.notifications.email_samples import PRACTICE_NAME, make_booked, owe_every_kind

#: Words that give English away; none belongs in a Spanish email's text.
ENGLISH_WORDS = (" the ", " your ", " you ", " with ")
#: Practitioners read English, their dates the default locale's.
PRACTITIONER_KINDS = [
    MessageKind.practitioner_new_booking,
    MessageKind.practitioner_reschedule,
    MessageKind.practitioner_cancellation,
    MessageKind.intake_attention,
    MessageKind.erasure_requested,
]
SPANISH_SUBJECTS = {
    MessageKind.booking_confirmed: "Su cita con Stillwater Practice: mar, 3 de marzo, 10:00",
    MessageKind.booking_rescheduled: "Nueva hora para su cita con Stillwater Practice: mié, 4 de marzo, 10:00",
    MessageKind.booking_reminder: "Recordatorio de su cita con Stillwater Practice: mié, 4 de marzo, 10:00",
    MessageKind.booking_cancelled: "Se ha cancelado su cita con Stillwater Practice: mié, 4 de marzo, 10:00",
    MessageKind.hold_released: "La hora que le guardábamos con Stillwater Practice ha quedado libre",
    # A subject is one line of plain spaces: CLDR's no-break space before the currency becomes one.
    MessageKind.payment_refunded: "Un reembolso de 20,00 GBP de parte de Stillwater Practice",
    MessageKind.lost_link: "Sus reservas con Stillwater Practice",
    MessageKind.email_confirmation: "Por favor, confirme su reserva con Stillwater Practice",
}
CLIENT = sorted(CLIENT_KINDS, key=lambda kind: kind.value)


def _every_kind_booked_in(locale: str, tmp_path_factory, sqlite_template, *, request_language: str):
    """Every email for a booking made in `locale`, built inside a request in another visitor's language."""
    path = tmp_path_factory.mktemp(f"emails-{locale}") / "tend.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context(), app.test_request_context(headers={"Accept-Language": request_language}):
        yield owe_every_kind(make_booked(locale=locale))
        db.engine.dispose()


@pytest.fixture(scope="module")
def spanish(tmp_path_factory, sqlite_template):
    # Built in an American visitor's request: the booking's language wins over the request's.
    yield from _every_kind_booked_in("es_ES", tmp_path_factory, sqlite_template, request_language="en-US")


@pytest.fixture(scope="module")
def american(tmp_path_factory, sqlite_template):
    yield from _every_kind_booked_in("en_US", tmp_path_factory, sqlite_template, request_language="es-ES")


@pytest.mark.parametrize("kind", CLIENT, ids=lambda kind: kind.value)
def test_a_client_who_booked_in_spanish_gets_every_email_in_spanish(spanish, kind):
    sent = spanish[kind]

    assert sent.subject == SPANISH_SUBJECTS[kind]
    assert sent.text.startswith("Hola, Hannah:")
    assert "Con cariño," in sent.text and "Con cariño," in sent.html
    assert "de marzo de 2026" in sent.text
    assert '<html lang="es-ES">' in sent.html
    assert not [word for word in ENGLISH_WORDS if word in sent.text.lower()]


@pytest.mark.parametrize("kind", CLIENT, ids=lambda kind: kind.value)
def test_spanish_emails_name_the_zone_in_spanish(spanish, kind):
    assert "(hora de Londres, UTC)" in spanish[kind].text


def test_spanish_dates_read_in_full(spanish):
    sent = spanish[MessageKind.booking_confirmed]

    assert "martes, 3 de marzo de 2026, 10:00–11:00 (hora de Londres, UTC)" in sent.text
    assert "martes, 3 de marzo de 2026<br>10:00–11:00" in sent.html


def test_a_spanish_refund_is_written_in_spanish_amounts(spanish):
    assert "Le hemos reembolsado los 20,00\xa0GBP completos" in spanish[MessageKind.payment_refunded].text


@pytest.mark.parametrize("kind", [MessageKind.booking_confirmed, MessageKind.booking_cancelled], ids=lambda kind: kind.value)
def test_the_calendar_entry_speaks_spanish(spanish, kind):
    (event,) = Calendar.from_ical(spanish[kind].ics).walk("VEVENT")

    assert str(event["SUMMARY"]) == f"Cita con {PRACTICE_NAME}"
    assert str(event["DESCRIPTION"]).startswith(("Para cambiar o cancelar esta cita", "Esta cita se ha cancelado"))


@pytest.mark.parametrize("booked_in", ["spanish", "american"])
@pytest.mark.parametrize("kind", PRACTITIONER_KINDS, ids=lambda kind: kind.value)
def test_practitioner_emails_stay_english_whoever_booked_and_whatever_the_request(request, booked_in, kind):
    sent = request.getfixturevalue(booked_in)[kind]

    assert '<html lang="en-GB">' in sent.html
    assert "Hola" not in sent.everything
    assert not re.search(r"\b(marzo|mar|mié|martes|miércoles|hora de|Cuándo|Dónde)\b", sent.everything)
    assert not re.search(r"\d\s[AP]M\b", sent.everything)


@pytest.mark.parametrize("booked_in", ["spanish", "american"])
def test_practitioner_dates_are_in_the_default_locale(request, booked_in):
    sent = request.getfixturevalue(booked_in)

    assert sent[MessageKind.practitioner_new_booking].subject == "New booking: Hannah, Tue 3 March, 10:00"
    assert "Tuesday, 3 March 2026, 10:00–11:00 (London time, UTC)" in sent[MessageKind.practitioner_new_booking].text
    assert "from Tue 3 March, 10:00" in sent[MessageKind.practitioner_reschedule].text


@pytest.mark.parametrize("kind", CLIENT, ids=lambda kind: kind.value)
def test_a_client_who_booked_in_american_english_gets_english_in_a_spanish_request(american, kind):
    sent = american[kind]

    assert '<html lang="en-US">' in sent.html
    assert "With care," in sent.text
    assert re.search(r"\b1?\d:\d\d\s[AP]M\b", sent.text)
    assert not re.search(r"\b(Hola|marzo|hora de)\b", sent.everything)


def test_american_times_and_dates(american):
    confirmed, asked = american[MessageKind.booking_confirmed], american[MessageKind.email_confirmation]

    assert confirmed.subject == "Your appointment with Stillwater Practice on Tue, March 3, 10:00 AM"
    # CLDR puts a narrow no-break space before AM; a subject is one line of plain spaces.
    assert "Tuesday, March 3, 2026, 10:00\u202fAM–11:00\u202fAM (London time, UTC)" in confirmed.text
    assert "We're holding the time for you until 9:30\u202fAM:" in asked.text
