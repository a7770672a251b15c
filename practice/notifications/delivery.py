"""Sending the outbox: claim a message atomically, send it, and record how that went."""
import enum
import logging
import os
import re
import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from pathlib import Path

from flask import current_app
from flask_mail import Message
from sqlalchemy import ColumnElement, and_, or_, select, update

from practice.accounts.models import Practice
from practice.booking.models import Booking, BookingStatus
from practice.extensions import begin_write_transaction, db
from practice.notifications.models import CLIENT_KINDS, MessageKind, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
SWEEP_BATCH = 200
#: Client emails that describe the booking's time: stale once a newer change email is owed.
REPLACEABLE_KINDS = frozenset(
    {MessageKind.booking_confirmed, MessageKind.booking_rescheduled, MessageKind.booking_reminder}
)
#: The emails that replace those.
REPLACING_KINDS = (MessageKind.booking_rescheduled, MessageKind.booking_cancelled)
ICS_METHOD = re.compile(r"^METHOD:(\w+)\r?$", re.MULTILINE)


class Outcome(enum.Enum):
    sent = "sent"
    retrying = "retrying"
    failed = "failed"
    #: Claimed but not sent: a newer email replaced it, or its session had begun.
    superseded = "superseded"
    #: Not due, already sent, or held by another worker: nothing was done.
    not_claimed = "not_claimed"


@dataclass(frozen=True)
class ClaimedMessage:
    """What a worker needs to send one message, read in the transaction that claimed it."""

    id: int
    kind: MessageKind
    recipient: str
    subject: str
    body_text: str
    body_html: str
    ics: str | None
    practice_name: str
    contact_email: str
    attempts: int
    claimed_at: datetime
    created_at: datetime


def deliver(message_id: int, *, now: datetime) -> Outcome:
    """Send one outbox message if it is due and no other worker holds it."""
    claimed = claim(message_id, now=now)
    if claimed is None:
        return Outcome.not_claimed
    # Before any SMTP: a retried, swept or re-sent message may have gone stale while it waited.
    if is_stale(claimed.id, now=now):
        _finish(claimed, status=OutboxStatus.superseded)
        return Outcome.superseded
    try:
        transmit(compose(claimed, now=now), claimed)
    except Exception as error:
        return record_failure(claimed, error, now=now)
    record_sent(claimed, now=now)
    return Outcome.sent


def sweep(*, now: datetime, batch: int = SWEEP_BATCH) -> dict[Outcome, int]:
    """Deliver what is due or was abandoned mid-send; return how many ended each way.

    Every claim a sweep makes is stamped `now`, however late in the sweep it is made, so it
    stops claiming once half a timeout has passed: a send begun then still ends within the
    lease. What is left waits for the next sweep.
    """
    stop_claiming = time.monotonic() + mail_timeout().total_seconds() / 2
    give_up_abandoned(now=now)
    outcomes = {outcome: 0 for outcome in Outcome}
    for message_id in due_message_ids(now=now, batch=batch):
        outcomes[deliver(message_id, now=now)] += 1
        if time.monotonic() >= stop_claiming:
            break
    return outcomes


def mail_timeout() -> timedelta:
    """MAIL_TIMEOUT_SECONDS: how long one whole SMTP conversation may take."""
    return timedelta(seconds=current_app.config["MAIL_TIMEOUT_SECONDS"])


def lease() -> timedelta:
    """How old a 'sending' claim must be to be taken for a dead worker's: twice the timeout.

    A live worker has stopped talking to the server by then. Its claim may be stamped up to
    half a timeout before it was made (see sweep), and its SMTP conversation ends within one
    timeout (_send_by_smtp holds it to that, where smtplib allows a timeout for each of its
    dozen steps: connect, EHLO, STARTTLS, login, MAIL, RCPT, DATA ...). The half left over is
    for the database work around the send. A message its dying worker got accepted but never
    recorded goes again with the same Message-ID.
    """
    return 2 * mail_timeout()


def mail_file_path(message_id: int) -> Path:
    """Where a message delivered without an SMTP server was written (RFC 5322, .eml)."""
    return Path(current_app.config["MAIL_FILE_DIR"]) / f"{message_id}.eml"


def claimable(now: datetime) -> ColumnElement[bool]:
    """SQL test: due and waiting, or claimed by a worker whose lease has run out."""
    return or_(
        and_(OutboxMessage.status == OutboxStatus.pending, OutboxMessage.next_attempt_at <= now),
        and_(
            OutboxMessage.status == OutboxStatus.sending,
            OutboxMessage.claimed_at < now - lease(),
            OutboxMessage.attempts < MAX_ATTEMPTS,
        ),
    )


def due_message_ids(*, now: datetime, batch: int = SWEEP_BATCH) -> list[int]:
    query = (
        select(OutboxMessage.id)
        .where(claimable(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(batch)
    )
    ids = list(db.session.scalars(query))
    db.session.rollback()
    return ids


def claim(message_id: int, *, now: datetime) -> ClaimedMessage | None:
    """Take the message for this worker, or return None if it isn't free to take.

    One conditional UPDATE: of two workers racing, the database lets exactly one see its
    row change (rowcount 1); the other's condition no longer holds. The claim commits
    before any SMTP traffic, so no transaction stays open while a server is slow.
    """
    begin_write_transaction()
    taken = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, claimable(now))
        .values(status=OutboxStatus.sending, claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        db.session.rollback()
        return None
    claimed = _read_claimed(message_id)
    db.session.commit()
    return claimed


def _read_claimed(message_id: int) -> ClaimedMessage:
    message, practice_name, contact_email = db.session.execute(
        select(OutboxMessage, Practice.name, Practice.contact_email)
        .join(Practice, OutboxMessage.practice_id == Practice.id)
        .where(OutboxMessage.id == message_id)
        .execution_options(populate_existing=True)
    ).one()
    return ClaimedMessage(
        id=message.id,
        kind=message.kind,
        recipient=message.recipient,
        subject=message.subject,
        body_text=message.body_text,
        body_html=message.body_html,
        ics=message.ics,
        practice_name=practice_name,
        contact_email=contact_email,
        attempts=message.attempts,
        claimed_at=message.claimed_at,
        created_at=message.created_at,
    )


def is_stale(message_id: int, *, now: datetime) -> bool:
    """Whether sending the message now would tell the client something no longer true.

    A reminder is stale once its booking is no longer confirmed or has started. A client
    email showing the booking's time is stale once a newer reschedule or cancellation email
    is owed (one failing mid-send during that change comes back here after the change).
    """
    message, booking = db.session.execute(
        select(OutboxMessage, Booking)
        .outerjoin(Booking, OutboxMessage.booking_id == Booking.id)
        .where(OutboxMessage.id == message_id)
        .execution_options(populate_existing=True)
    ).one()
    stale = False
    if booking is not None and message.kind in REPLACEABLE_KINDS:
        if message.kind is MessageKind.booking_reminder and (
            booking.status is not BookingStatus.confirmed or booking.starts_at <= now
        ):
            stale = True
        else:
            # Ids rise in the order messages are owed, even when two share a created_at.
            newer = select(OutboxMessage.id).where(
                OutboxMessage.booking_id == booking.id,
                OutboxMessage.kind.in_(REPLACING_KINDS),
                OutboxMessage.id > message.id,
            )
            stale = db.session.scalar(newer.limit(1)) is not None
    db.session.rollback()
    return stale


def compose(claimed: ClaimedMessage, *, now: datetime) -> Message:
    """The email as Flask-Mail builds it: plain and HTML alternatives, and the .ics."""
    sender_address = _sender_address()
    email = Message(
        subject=claimed.subject,
        recipients=[claimed.recipient],
        body=claimed.body_text,
        html=claimed.body_html,
        # formataddr quotes a practice name holding a comma or a quote.
        sender=formataddr((claimed.practice_name, sender_address)),
        reply_to=_reply_to(claimed),
        date=now.timestamp(),
        extra_headers={"Auto-Submitted": "auto-generated"},
    )
    # Stable across retries, so a receiving server can recognise a repeat.
    email.msgId = f"<outbox-{claimed.id}-{claimed.created_at:%Y%m%d%H%M%S}@{_domain(sender_address)}>"
    if claimed.ics:
        email.attach("invite.ics", calendar_content_type(claimed.ics), claimed.ics.encode("utf-8"))
    return email


def calendar_content_type(ics: str) -> str:
    """text/calendar with the METHOD the calendar carries, as RFC 6047 asks."""
    found = ICS_METHOD.search(ics)
    method = found.group(1).upper() if found else "REQUEST"
    return f"text/calendar; method={method}; charset=utf-8"


def _reply_to(claimed: ClaimedMessage) -> str | None:
    if claimed.kind in CLIENT_KINDS and claimed.contact_email:
        return formataddr((claimed.practice_name, claimed.contact_email))
    return None


def _sender_address() -> str:
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"


def transmit(email: Message, claimed: ClaimedMessage) -> None:
    """Hand the email to the SMTP server, or write it to a file when there is none."""
    config = current_app.config
    if email.has_bad_headers():
        raise ValueError("header contains a line break")
    if not config["MAIL_SERVER"] or config["MAIL_SUPPRESS_SEND"]:
        _write_file(email.as_bytes(), mail_file_path(claimed.id))
    else:
        _send_by_smtp(email.as_bytes(), claimed.recipient)


def _write_file(rfc5322: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(rfc5322)
    # A reader (the Emails page) sees the whole message or none of it.
    os.replace(partial, path)


def _send_by_smtp(rfc5322: bytes, recipient: str) -> None:
    # smtplib rather than Flask-Mail's Connection: that one opens with no timeout (a hung
    # server would outlive the lease and the message would go twice) and its STARTTLS
    # does not verify the server's certificate.
    config = current_app.config
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    deadline = time.monotonic() + timeout
    if config["MAIL_USE_SSL"]:
        smtp = _SMTPOverSSL(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout, context=ssl.create_default_context(),
            deadline=deadline,
        )
    else:
        smtp = _SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout, deadline=deadline)
    try:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"] and config["MAIL_PASSWORD"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.sendmail(_sender_address(), [recipient], rfc5322)
    finally:
        _close(smtp)


class _Deadline:
    """Holds a whole SMTP conversation to a deadline, where smtplib times each step alone.

    Each command and reply may wait only for the time left, and none starts after it, so
    nothing reaches the server once the deadline has passed. (A server trickling one reply
    a byte at a time could still stretch that reply; ours is the practice's own.)
    """

    def __init__(self, *args, deadline: float, **kwargs):
        self._deadline = deadline
        super().__init__(*args, **kwargs)

    def send(self, s):
        self._wait_at_most_the_time_left()
        super().send(s)

    def getreply(self):
        self._wait_at_most_the_time_left()
        return super().getreply()

    def _wait_at_most_the_time_left(self) -> None:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the SMTP conversation outlasted MAIL_TIMEOUT_SECONDS")
        if self.sock is not None:
            self.sock.settimeout(left)


class _SMTP(_Deadline, smtplib.SMTP):
    pass


class _SMTPOverSSL(_Deadline, smtplib.SMTP_SSL):
    pass


def _close(smtp: smtplib.SMTP) -> None:
    # The message is accepted once sendmail returns: a rude goodbye must not undo that.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()


def record_sent(claimed: ClaimedMessage, *, now: datetime) -> None:
    _finish(claimed, status=OutboxStatus.sent, sent_at=now, last_error="")


def record_failure(claimed: ClaimedMessage, error: Exception, *, now: datetime) -> Outcome:
    """Put the message back for a later attempt, or give up on it after the last one."""
    description = describe_failure(error)
    if claimed.attempts >= MAX_ATTEMPTS or is_permanent(error):
        _finish(claimed, status=OutboxStatus.failed, last_error=description)
        log.warning("outbox message %s failed for good after %s attempts: %s", claimed.id, claimed.attempts, description)
        return Outcome.failed
    _finish(
        claimed,
        status=OutboxStatus.pending,
        next_attempt_at=now + retry_delay(claimed.attempts),
        last_error=description,
    )
    log.info("outbox message %s not sent on attempt %s: %s", claimed.id, claimed.attempts, description)
    return Outcome.retrying


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the first, second, third … failure, at most an hour."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)


def describe_failure(error: Exception) -> str:
    """The error's type and SMTP code: server replies can quote addresses, so no text."""
    code = smtp_code(error)
    return f"{type(error).__name__} {code}" if code else type(error).__name__


def smtp_code(error: Exception) -> int | None:
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        return max(code for code, _ in error.recipients.values())
    return None


def is_permanent(error: Exception) -> bool:
    # Only a refused recipient is hopeless. Other 5xx replies (a bad login, a refused
    # sender) are the server's configuration, which someone can fix while we retry.
    code = smtp_code(error)
    return isinstance(error, smtplib.SMTPRecipientsRefused) and code is not None and code >= 500


def give_up_abandoned(*, now: datetime) -> int:
    """Fail messages whose worker died holding their last attempt."""
    begin_write_transaction()
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.sending,
            OutboxMessage.claimed_at < now - lease(),
            OutboxMessage.attempts >= MAX_ATTEMPTS,
        )
        .values(status=OutboxStatus.failed, last_error="abandoned mid-send")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def _finish(claimed: ClaimedMessage, **values) -> None:
    # Only the claim this worker holds: if its lease ran out and another worker took
    # the message, that worker's record stands.
    begin_write_transaction()
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == claimed.id,
            OutboxMessage.status == OutboxStatus.sending,
            OutboxMessage.claimed_at == claimed.claimed_at,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        log.warning("outbox message %s was reclaimed by another worker before it was recorded", claimed.id)
