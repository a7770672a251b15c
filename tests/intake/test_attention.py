"""Care rules reaching the practitioner: a self-harm answer owes them one discreet email; a massage red flag none."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from practice.accounts.models import Practice
from practice.extensions import db
from practice.intake import service
from practice.intake.definitions import Attention, Question, QuestionType, Section, with_section
from practice.intake.models import IntakeResponse
from practice.notifications.models import MessageKind, OutboxMessage
from tests.factories import log_in_as, make_booking, make_practitioner, make_service

NOW = datetime.now(timezone.utc).replace(microsecond=0)
SESSION = (NOW + timedelta(days=3)).replace(hour=10, minute=0, second=0)
CANARY = "CANARY-attention-9b2c: she was born at 22 weeks"
CLIENT_NAME = "Hannah Brooks"

FIRST_PAGE = {"q-epds_1": ["2"], "q-epds_2": ["3"], "q-epds_3": ["3"], "q-epds_4": ["2"], "q-epds_5": ["2"]}
#: Item 10 "Hardly ever" scores 1: above zero, so the booking needs attention.
SELF_HARM_PAGE = {"q-epds_6": ["2"], "q-epds_7": ["3"], "q-epds_8": ["3"], "q-epds_9": ["2"], "q-epds_10": ["1"]}
#: What the client answered, as words that must not leave Tend by email.
ANSWER_WORDS = ("Hardly ever", "Definitely not so much now", "Yes, most of the time", "Self-harm", "EPDS", "of 30", "Probable depression")


def epds_with_notes(practitioner):
    form = service.create_form(practitioner, template="epds", now=NOW)
    notes = Section("more", "Anything else", questions=(Question("notes", QuestionType.long_text, "Anything else?"),))
    service.change_form(form, lambda definition: with_section(definition, notes), now=NOW)
    return form


def booking_asking(practitioner, template_form):
    offered = make_service(practitioner)
    service.set_services_asking(template_form, [offered.id])
    return make_booking(offered, SESSION, client_name=CLIENT_NAME)


def attention_emails() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == MessageKind.intake_attention).order_by(OutboxMessage.id)
        )
    )


def response_of(booking) -> IntakeResponse:
    return db.session.scalar(select(IntakeResponse).where(IntakeResponse.booking_id == booking.id))


@pytest.fixture
def flagged(any_app):
    """A colleague's client answered EPDS item 10 above zero, saved the page again, then sent the form with the canary."""
    with any_app.app_context():
        owner = make_practitioner(name="Rowan Hale", timezone="Pacific/Kiritimati")
        holder = make_practitioner(db.session.get(Practice, owner.practice_id), name="Imogen Reyes")
        form = epds_with_notes(holder)
        booking = booking_asking(holder, form)
        for step, posted in ((0, FIRST_PAGE), (1, SELF_HARM_PAGE), (1, SELF_HARM_PAGE), (2, {"q-notes": [CANARY]})):
            service.save_page(booking, form.id, step, posted, now=NOW)
        client = any_app.test_client()
        log_in_as(client, holder)
        return SimpleNamespace(
            owner=owner, holder_id=holder.id, holder_email=holder.email, booking_id=booking.id,
            response_id=response_of(booking).id, form_title=form.title, client=client,
        )


def test_a_self_harm_answer_owes_its_practitioner_exactly_one_email(any_app, flagged):
    with any_app.app_context():
        (email,) = attention_emails()

        assert (email.practitioner_id, email.recipient, email.booking_id) == (
            flagged.holder_id, flagged.holder_email, flagged.booking_id,
        )
        assert db.session.get(IntakeResponse, flagged.response_id).attention is Attention.needs_attention


def test_the_email_links_to_the_intake_and_carries_none_of_it(any_app, flagged):
    link = f"http://localhost/admin/intake/{flagged.response_id}"
    with any_app.app_context():
        (email,) = attention_emails()
        parts = {"subject": email.subject, "text": email.body_text, "html": email.body_html}

    assert parts["subject"].startswith("An intake needs your attention")
    assert link in parts["text"] and f'href="{link}"' in parts["html"]
    for name, content in parts.items():
        assert CANARY not in content and "CANARY" not in content, name
        assert flagged.form_title not in content, name
        for words in ANSWER_WORDS:
            assert words not in content, (name, words)
    assert "Hannah" not in parts["subject"] and "Brooks" not in parts["subject"]


def test_the_email_says_when_the_session_is_in_the_practices_zone(any_app, flagged):
    local = SESSION.astimezone(ZoneInfo("Pacific/Kiritimati"))
    with any_app.app_context():
        (email,) = attention_emails()

    assert f"{local:%A}, {local.day} {local:%B %Y}, {local:%H:%M}" in email.body_text
    assert "(Kiritimati time, UTC+14)" in email.body_text


def test_the_link_in_the_email_opens_the_intake_for_its_practitioner(any_app, flagged):
    with any_app.app_context():
        (email,) = attention_emails()
        link = next(word for word in email.body_text.split() if "/admin/intake/" in word)

    assert flagged.client.get(urlsplit(link).path).status_code == 200


def test_self_harm_item_answered_zero_flags_nothing_and_owes_no_email(app):
    with app.app_context():
        holder = make_practitioner()
        form = epds_with_notes(holder)
        booking = booking_asking(holder, form)
        service.save_page(booking, form.id, 0, FIRST_PAGE, now=NOW)
        service.save_page(booking, form.id, 1, {**SELF_HARM_PAGE, "q-epds_10": ["0"]}, now=NOW)

        assert response_of(booking).attention is Attention.none
        assert attention_emails() == []


def test_heavy_bleeding_is_checked_before_the_session_without_an_email(app):
    with app.app_context():
        holder = make_practitioner()
        form = service.create_form(holder, template="massage", now=NOW)
        booking = booking_asking(holder, form)
        service.save_page(booking, form.id, 0, {"q-bleeding_now": ["heavy"]}, now=NOW)

        response = response_of(booking)
        assert response.attention is Attention.check_before_session
        assert service.flag_reasons(response) == ["Heavy bleeding now"]
        assert attention_emails() == []


def test_the_owner_does_not_learn_from_the_emails_page_that_a_colleagues_intake_was_flagged(any_app, flagged):
    with any_app.app_context():
        (email,) = attention_emails()
        as_owner = any_app.test_client()
        log_in_as(as_owner, db.session.merge(flagged.owner))

    listed = as_owner.get("/admin/emails/").get_data(as_text=True)

    assert "Intake needs attention" not in listed
    assert as_owner.get(f"/admin/emails/{email.id}").status_code == 404
    assert as_owner.post(f"/admin/emails/{email.id}/send-again").status_code == 404
    assert "Intake needs attention" in flagged.client.get("/admin/emails/").get_data(as_text=True)
