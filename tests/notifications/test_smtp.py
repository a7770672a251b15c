"""Mail through a real SMTP server (aiosmtpd in this process), parsed as a mail client would."""
import asyncio
import re
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from practice import worker
from practice.booking import service as booking_service
from practice.extensions import db
from practice.notifications import delivery
from practice.notifications.delivery import Outcome
from practice.notifications.models import MessageKind, OutboxMessage, OutboxStatus
from practice.timeformats import instant_for_url
from practice.booking.states import ChangedBy
from tests.notifications.support import (
    FROZEN_NOW, SENDER, ZONE, CollectingHandler, SmtpServer, at, book_at, offer, run_queued_tasks,
)

NOW = FROZEN_NOW
LATER = NOW + timedelta(minutes=1)
MANAGE_LINK = re.compile(r"https?://\S+/manage/\S+")


def outbox(app, **filters) -> list[OutboxMessage]:
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage).filter_by(**filters).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return messages


def deliver_all(app, now: datetime) -> dict[Outcome, int]:
    with app.app_context():
        return delivery.sweep(now=now)


def to(server, address: str):
    return [received.message for received in server.received if received.rcpt_tos == [address]]


def ics_of(email) -> Calendar:
    (attachment,) = list(email.iter_attachments())
    return Calendar.from_ical(attachment.get_content())


def test_a_confirmation_arrives_with_plain_text_html_and_the_invitation(mail_app, smtp_server):
    offered = offer(mail_app)
    book_at(mail_app, offered, at(1, 10))

    assert deliver_all(mail_app, LATER)[Outcome.sent] == 2

    (email,) = to(smtp_server, "client1@example.org")
    assert email.get_body(("plain",)).get_content().strip()
    assert "<html" in email.get_body(("html",)).get_content().lower()
    (attachment,) = list(email.iter_attachments())
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_content_charset() == "utf-8"
    assert email["From"].addresses[0].display_name == "Stillwater Practice"
    assert email["From"].addresses[0].addr_spec == SENDER
    assert email["Reply-To"].addresses[0].addr_spec == "hello@stillwater.test"
    assert smtp_server.received[0].mail_from == SENDER


def test_the_practitioner_is_told_of_the_new_booking(mail_app, smtp_server):
    offered = offer(mail_app)
    book_at(mail_app, offered, at(1, 10))
    deliver_all(mail_app, LATER)
    (notice,) = to(smtp_server, offered.email)
    assert notice.get_body(("plain",)).get_content().strip()
    assert notice["Reply-To"] is None


def test_the_practitioners_notice_arrives_without_the_clients_phone_number(mail_app, smtp_server):
    offered = offer(mail_app)
    details = booking_service.ClientDetails(name="Client 1", email="client1@example.org", timezone=ZONE, phone="07700 900123")
    with mail_app.app_context():
        booking_service.book(service_id=offered.service_id, start=at(1, 10), client=details, now=NOW)

    deliver_all(mail_app, LATER)

    (notice,) = to(smtp_server, offered.email)
    text, html = (notice.get_body((part,)).get_content() for part in ("plain", "html"))
    assert "client1@example.org" in text and "client1@example.org" in html
    assert "07700" not in text and "07700" not in html and "07700" not in notice["Subject"]


def test_the_invitation_starts_when_the_booking_does_in_utc(mail_app, smtp_server):
    offered = offer(mail_app)
    start = at(1, 10)
    book_at(mail_app, offered, start)
    deliver_all(mail_app, LATER)
    (email,) = to(smtp_server, "client1@example.org")
    (event,) = ics_of(email).walk("VEVENT")
    assert event.decoded("DTSTART").astimezone(timezone.utc) == start


def test_the_manage_link_in_the_email_opens_that_booking(mail_app, smtp_server):
    offered = offer(mail_app)
    booking_id = book_at(mail_app, offered, at(1, 10))
    deliver_all(mail_app, LATER)
    (email,) = to(smtp_server, "client1@example.org")
    link = MANAGE_LINK.search(email.get_body(("plain",)).get_content()).group(0)
    with mail_app.app_context():
        token = urlsplit(link).path.rsplit("/", 1)[1]
        found = booking_service.booking_for_manage_token(token, mail_app.config["SECRET_KEY"])
        assert found is not None and found.id == booking_id
    assert mail_app.test_client().get(urlsplit(link).path).status_code == 200


def test_a_cancellation_carries_a_cancelling_invitation(mail_app, smtp_server):
    offered = offer(mail_app)
    booking_id = book_at(mail_app, offered, at(2, 10))
    with mail_app.app_context():
        booking_service.cancel_booking(booking_id, by=ChangedBy.practitioner, now=NOW)
    deliver_all(mail_app, LATER)
    cancelled = [m for m in to(smtp_server, "client1@example.org") if ics_of(m).get("METHOD") == "CANCEL"]
    (attachment,) = list(cancelled[0].iter_attachments())
    assert attachment.get_param("method") == "CANCEL"


def test_a_confirmation_still_waiting_when_the_booking_moves_is_never_delivered(mail_app, smtp_server):
    offered = offer(mail_app)
    smtp_server.stop()
    booking_id = book_at(mail_app, offered, at(2, 10))
    deliver_all(mail_app, NOW)
    smtp_server.start()
    with mail_app.app_context():
        booking_service.reschedule(booking_id, new_start=at(3, 10), by=ChangedBy.client, now=LATER)

    deliver_all(mail_app, NOW + timedelta(hours=1))

    (email,) = to(smtp_server, "client1@example.org")
    assert "rescheduled" in email["Subject"].lower() or "new time" in email["Subject"].lower()
    (confirmation,) = outbox(mail_app, kind=MessageKind.booking_confirmed)
    assert (confirmation.status, confirmation.sent_at) == (OutboxStatus.superseded, None)


def test_the_newest_email_about_a_booking_still_sends(mail_app, smtp_server):
    offered = offer(mail_app)
    booking_id = book_at(mail_app, offered, at(2, 10))
    with mail_app.app_context():
        booking_service.reschedule(booking_id, new_start=at(3, 10), by=ChangedBy.client, now=NOW)

    outcomes = deliver_all(mail_app, LATER)

    # The client's new time and both practitioner notices; the stale confirmation not at all.
    assert (outcomes[Outcome.sent], outcomes[Outcome.superseded]) == (3, 0)
    assert len(to(smtp_server, "client1@example.org")) == 1
    (rescheduled,) = outbox(mail_app, kind=MessageKind.booking_rescheduled)
    assert rescheduled.status is OutboxStatus.sent


def test_a_refused_recipient_is_failed_at_once_without_the_address_in_the_error(mail_app, smtp_server):
    smtp_server.handler.refuse.add("client1@example.org")
    offered = offer(mail_app)
    book_at(mail_app, offered, at(1, 10))

    outcomes = deliver_all(mail_app, LATER)

    assert (outcomes[Outcome.failed], outcomes[Outcome.sent]) == (1, 1)
    (failed,) = outbox(mail_app, status=OutboxStatus.failed)
    assert failed.last_error == "SMTPRecipientsRefused 550"


@dataclass
class SlowHandler(CollectingHandler):
    """Answers MAIL FROM and RCPT TO `step` seconds late each."""

    step: float = 0.0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        await asyncio.sleep(self.step)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await asyncio.sleep(self.step)
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def test_a_server_slow_at_each_step_cannot_stretch_a_send_past_the_timeout(make_app, tmp_path):
    # Each reply comes well within the timeout, the two together after it: the send gives up
    # before DATA, so a worker that takes a message over after the lease is the only one sending it.
    slow_server = SmtpServer(SlowHandler(step=0.3)).start()
    try:
        app = make_app(**{**slow_server.config(), "MAIL_TIMEOUT_SECONDS": 0.5}, MAIL_FILE_DIR=str(tmp_path / "mail"))
        offered = offer(app)
        book_at(app, offered, at(1, 10))
        (first, _) = outbox(app)
        with app.app_context():
            assert delivery.deliver(first.id, now=LATER) is Outcome.retrying
    finally:
        slow_server.stop()
    assert slow_server.received == []
    (waiting,) = outbox(app, id=first.id)
    assert (waiting.status, waiting.attempts) == (OutboxStatus.pending, 1)


def test_with_sending_suppressed_mail_is_written_to_a_file_instead(make_app, smtp_server, tmp_path):
    app = make_app(**smtp_server.config(), MAIL_SUPPRESS_SEND=True, MAIL_FILE_DIR=str(tmp_path / "mail"))
    offered = offer(app)
    book_at(app, offered, at(1, 10))
    assert deliver_all(app, LATER)[Outcome.sent] == 2
    assert smtp_server.received == []
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2


def next_monday_at_ten() -> datetime:
    today = datetime.now(ZoneInfo(ZONE)).date()
    monday = today + timedelta(days=7 + (-today.weekday()) % 7)
    return datetime.combine(monday, time(10), tzinfo=ZoneInfo(ZONE)).astimezone(timezone.utc)


def post_booking(app, offered, start: datetime):
    fields = {
        "name": "Client 1", "email": "client1@example.org", "phone": "", "preferred_name": "",
        "pronouns": "", "note": "", "start": instant_for_url(start), "timezone": ZONE,
    }
    return app.test_client().post(f"{offered.path}/confirm", data=fields)


def test_booking_while_the_mail_server_is_down_succeeds_and_the_email_arrives_once_it_is_back(mail_app, smtp_server):
    offered = offer(mail_app)
    smtp_server.stop()

    response = post_booking(mail_app, offered, next_monday_at_ten())
    now = datetime.now(timezone.utc)
    while_down = deliver_all(mail_app, now)

    smtp_server.start()
    back_up = deliver_all(mail_app, now + timedelta(minutes=1))
    afterwards = deliver_all(mail_app, now + timedelta(hours=2))

    assert response.status_code == 303
    assert while_down[Outcome.retrying] == 2
    assert back_up[Outcome.sent] == 2
    assert afterwards[Outcome.sent] == 0
    assert len(to(smtp_server, "client1@example.org")) == 1
    assert len(to(smtp_server, offered.email)) == 1
    assert {m.attempts for m in outbox(mail_app)} == {2}


def test_the_booking_request_returns_before_any_mail_is_sent(make_app, smtp_server, private_queue, tmp_path):
    app = make_app(**smtp_server.config(), MAIL_FILE_DIR=str(tmp_path / "mail"), OUTBOX_ENQUEUE=True)
    offered = offer(app)

    response = post_booking(app, offered, next_monday_at_ten())

    assert response.status_code == 303
    assert smtp_server.received == []
    assert private_queue.pending_count() == 2
    worker.task_app.use(app)
    assert run_queued_tasks(private_queue) == 2
    assert len(smtp_server.received) == 2


@pytest.fixture(params=["sqlite", "postgresql"])
def racing_app(make_app, smtp_server, tmp_path, request):
    return make_app(request.param, **smtp_server.config(), MAIL_FILE_DIR=str(tmp_path / "mail"))


def test_two_workers_racing_over_the_outbox_deliver_each_message_once(racing_app, smtp_server):
    offered = offer(racing_app)
    for n in range(6):
        book_at(racing_app, offered, at(1 + n, 10), n=n)
    message_ids = [m.id for m in outbox(racing_app)]
    start_together = threading.Barrier(2)
    errors = []

    def work(deliver_each) -> None:
        try:
            with racing_app.app_context():
                start_together.wait(timeout=10)
                deliver_each()
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)

    def sweeper():
        delivery.sweep(now=LATER)

    def task_runner():
        for message_id in message_ids:
            delivery.deliver(message_id, now=LATER)

    threads = [threading.Thread(target=work, args=(job,)) for job in (sweeper, task_runner)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    message_id_headers = Counter(received.message["Message-ID"] for received in smtp_server.received)
    assert len(message_id_headers) == len(message_ids) == 12
    assert set(message_id_headers.values()) == {1}
    assert {(m.status, m.attempts) for m in outbox(racing_app)} == {(OutboxStatus.sent, 1)}
