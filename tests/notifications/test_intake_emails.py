"""Intake in the client's emails: the confirmation and reminder ask for the forms by a signed link, naming them only when allowed."""
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from sqlalchemy import select

from practice.extensions import db
from practice.intake import service as intake
from practice.notifications import service
from practice.notifications.models import MessageKind, OutboxMessage
from tests.factories import make_service
from tests.notifications.email_samples import NOW, make_booked, make_stillwater

MASSAGE_TITLE = "Your health before massage"
EPDS_TITLE = "How you have been feeling (EPDS)"
#: The intake link as the emails give it: the signed token, never anything the client answered.
INTAKE_LINK = re.compile(r"http://localhost/intake/[A-Za-z0-9_.\-]+")


def booked_asking(*templates: str, practitioner=None, starts_at: datetime | None = None, **booking):
    """A booking whose service asks for the templates' forms, in that order."""
    practitioner = practitioner or make_stillwater()
    offered = make_service(practitioner)
    for template in templates:
        form = intake.create_form(practitioner, template=template, now=NOW)
        intake.set_services_asking(form, [offered.id])
    if starts_at is not None:
        booking["starts_at"] = starts_at
    return make_booked(practitioner, service=offered, **booking)


def opens(link: str) -> int | None:
    """The booking an intake link opens (links signed a second apart differ in their timestamp)."""
    booking = intake.booking_for_intake_token(link.rsplit("/", 1)[-1])
    return booking.id if booking else None


def owed(kind: MessageKind) -> OutboxMessage:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)).all()[-1]


def everything(message: OutboxMessage) -> str:
    return "\n".join([message.subject, message.body_text, message.body_html])


def test_the_confirmation_asks_for_the_form_by_its_link_in_both_parts(app):
    with app.app_context():
        booking = booked_asking("massage")

        service.owe_booking_confirmed(booking, now=NOW)

        email = owed(MessageKind.booking_confirmed)
        link = INTAKE_LINK.search(email.body_text).group()
        assert "Before your session, please fill in a short form." in email.body_text
        assert opens(link) == booking.id
        assert f'href="{link}"' in email.body_html
        assert "Before your session, please fill in a short form." in email.body_html


def test_a_discreet_confirmation_names_no_form(app):
    with app.app_context():
        booking = booked_asking("massage", "epds")

        service.owe_booking_confirmed(booking, now=NOW)

        email = owed(MessageKind.booking_confirmed)
        assert "please fill in a few short forms" in email.body_text
        for title in (MASSAGE_TITLE, EPDS_TITLE, "EPDS", "massage"):
            assert title not in everything(email)


def test_a_practice_that_names_services_names_the_forms_too(app):
    with app.app_context():
        booking = booked_asking("massage", "epds", practitioner=make_stillwater(discreet_emails=False))

        service.owe_booking_confirmed(booking, now=NOW)

        email = owed(MessageKind.booking_confirmed)
        assert f"please fill in “{MASSAGE_TITLE}” and “{EPDS_TITLE}”." in email.body_text
        assert f"“{MASSAGE_TITLE}” and “{EPDS_TITLE}”" in email.body_html
        assert INTAKE_LINK.search(email.body_text)


def test_a_service_asking_no_forms_sends_no_intake_link(app):
    with app.app_context():
        booking = booked_asking()

        service.owe_booking_confirmed(booking, now=NOW)

        email = owed(MessageKind.booking_confirmed)
        assert "/intake/" not in everything(email)
        assert "fill in" not in everything(email)


def test_the_link_in_the_confirmation_opens_the_bookings_forms(app):
    starts_at = (datetime.now(timezone.utc) + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    with app.app_context():
        booking = booked_asking("massage", starts_at=starts_at)
        service.owe_booking_confirmed(booking, now=datetime.now(timezone.utc))
        link = INTAKE_LINK.search(owed(MessageKind.booking_confirmed).body_text).group()

    response = app.test_client().get(urlsplit(link).path)

    assert response.status_code == 200
    assert MASSAGE_TITLE in response.text


def test_the_reminder_carries_the_link_while_a_form_is_unfilled(app):
    with app.app_context():
        booking = booked_asking("massage")

        service.owe_reminder(booking, now=NOW)

        email = owed(MessageKind.booking_reminder)
        assert "please fill in a short form before your session" in email.body_text
        link = INTAKE_LINK.search(email.body_text).group()
        assert opens(link) == booking.id
        assert f'href="{link}"' in email.body_html


def test_the_reminder_leaves_out_forms_already_sent(app):
    with app.app_context():
        booking = booked_asking("epds")
        form_id = intake.forms_for_service(booking.service_id)[0].id
        intake.save_page(booking, form_id, 0, {}, now=NOW)
        intake.save_page(booking, form_id, 1, {}, now=NOW)

        service.owe_reminder(booking, now=NOW)

        assert "/intake/" not in everything(owed(MessageKind.booking_reminder))


def test_the_reminder_still_asks_for_a_form_only_begun(app):
    with app.app_context():
        booking = booked_asking("epds")
        intake.save_page(booking, intake.forms_for_service(booking.service_id)[0].id, 0, {}, now=NOW)

        service.owe_reminder(booking, now=NOW)

        assert INTAKE_LINK.search(owed(MessageKind.booking_reminder).body_text)
