"""A real SMTP server (aiosmtpd) for tests and benchmarks, and helpers to book on a frozen clock."""
import asyncio
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import SimpleNamespace

from aiosmtpd.controller import Controller

from practice.accounts.models import Practitioner
from practice.booking import service as booking_service
from practice.booking.models import BookingStatus
from practice.catalog.models import Service
from practice.extensions import db
from practice.notifications.models import MessageKind, OutboxMessage, OutboxStatus
from tests.factories import make_booking, make_practitioner, make_service, make_weekly_hours, service_path

#: A Monday in March 2030: London is on GMT, so its clock and UTC agree.
FROZEN_NOW = datetime(2030, 3, 4, 8, 0, tzinfo=timezone.utc)
ZONE = "Europe/London"
SENDER = "bookings@tend.test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    """One message as the SMTP server got it: the envelope and the parsed RFC 5322 text."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class CollectingHandler:
    """Keeps what arrives; refuses RCPT TO for addresses in `refuse`; waits `delay` s per message."""

    refuse: set[str] = field(default_factory=set)
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on one loopback port, which can be stopped and started again on that port."""

    def __init__(self, handler: CollectingHandler | None = None, port: int | None = None):
        self.handler = handler or CollectingHandler()
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self._controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> "SmtpServer":
        # A stopped Controller has closed its event loop, so every start makes a new one.
        self._controller = Controller(self.handler, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def config(self) -> dict:
        """The app settings that send to this server."""
        return {
            "MAIL_SERVER": self.host,
            "MAIL_PORT": self.port,
            "MAIL_USE_TLS": False,
            "MAIL_USE_SSL": False,
            "MAIL_DEFAULT_SENDER": SENDER,
            "MAIL_TIMEOUT_SECONDS": 10,
        }


def wait_until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def offer(app, **practitioner) -> SimpleNamespace:
    """A practitioner open 09:00–17:00 every day in London, with one 60-minute service."""
    values = dict(timezone=ZONE, practice_name="Stillwater Practice", contact_email="hello@stillwater.test")
    values.update(practitioner)
    with app.app_context():
        person = make_practitioner(**values)
        make_weekly_hours(person)
        service = make_service(person, name="Pregnancy-loss recovery massage")
        return SimpleNamespace(
            service_id=service.id,
            practitioner_id=person.id,
            practice_id=person.practice_id,
            email=person.email,
            path=service_path(service),
        )


def client(n: int = 1) -> booking_service.ClientDetails:
    return booking_service.ClientDetails(name=f"Client {n}", email=f"client{n}@example.org", timezone=ZONE)


def book_at(app, offered: SimpleNamespace, start: datetime, *, now: datetime = FROZEN_NOW, n: int = 1) -> int:
    """Book through the real operation, which owes the emails; return the booking id."""
    with app.app_context():
        return booking_service.book(service_id=offered.service_id, start=start, client=client(n), now=now).id


def at(days: int, hour: int, *, after: datetime = FROZEN_NOW) -> datetime:
    """`hour`:00 UTC, `days` days after `after`."""
    return (after + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def run_queued_tasks(huey) -> int:
    """Run every queued task in this thread, as one consumer would; return how many ran."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tend//Tests//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:test@tend\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def new_outbox_message(practitioner: Practitioner, **overrides) -> OutboxMessage:
    """An outbox row of the practitioner's practice, as the owe_* operations write one, due at FROZEN_NOW; not added."""
    values = dict(
        kind=MessageKind.booking_confirmed,
        practice_id=practitioner.practice_id,
        practitioner_id=practitioner.id,
        recipient="client@example.org",
        subject="Your appointment with Stillwater Practice on Tue 5 March, 10:00",
        body_text="See you soon.",
        body_html="<p>See you soon.</p>",
        ics=ICS,
        status=OutboxStatus.pending,
        attempts=0,
        next_attempt_at=FROZEN_NOW,
        last_error="",
        created_at=FROZEN_NOW,
    )
    values.update(overrides)
    return OutboxMessage(**values)


def make_hold(app, offered: SimpleNamespace, start: datetime, *, expires_at: datetime) -> int:
    """A booking held for a pending payment, written directly (payments will make these)."""
    with app.app_context():
        booking = make_booking(
            db.session.get(Service, offered.service_id),
            start,
            client_name="Client",
            client_email="client@example.org",
            status=BookingStatus.held,
            hold_expires_at=expires_at,
            client_timezone=ZONE,
            created_at=expires_at - timedelta(minutes=30),
        )
        return booking.id
