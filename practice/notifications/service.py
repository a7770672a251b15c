"""The emails a change owes: rendered at once and added to the outbox in the caller's transaction.

The owe_* operations add rows and never commit: the caller commits them together with the
booking change they describe, so a change and its emails are saved or lost together.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from practice.accounts.models import Invitation, Practice, Practitioner
from practice.accounts.signals import password_reset_requested, practitioner_invited
from practice.booking import links
from practice.booking.calendar import CalendarMethod, appointment_title, booking_calendar, location_text, organizer_address
from practice.booking.models import Booking
from practice.booking.signals import (
    booking_awaiting_email,
    booking_cancelled,
    booking_confirmed,
    booking_hold_released,
    booking_rescheduled,
)
from practice.booking.states import BookingStatus, ChangedBy
from practice.extensions import begin_write_transaction, db
from practice.external_urls import external_url
from practice.i18n import in_locale
from practice.intake import service as intake
from practice.intake.models import ErasureRequest, IntakeResponse
from practice.intake.signals import erasure_requested, intake_needs_attention
from practice.money import format_money
from practice.notifications import emails
from practice.notifications.emails import IntakeInvitation, RenderedEmail
from practice.notifications.models import MessageKind, OutboxMessage, OutboxStatus
from practice.payments.models import Refund
from practice.payments.signals import refund_succeeded
from practice.security import audit
from practice.security.audit import Actor
from practice.security.authz import visible_to
from practice.security.models import AuditAction
from practice.timeformats import clock

#: The Emails page shows this many messages at a time.
PAGE_SIZE = 50
#: Notices that an intake needs attention are their addressee's alone: not even the practice's
#: owner, who may not read a colleague's intakes, learns from the Emails page that one was flagged.
ADDRESSEE_ONLY = (MessageKind.intake_attention,)
#: Who can change a booking; the wording of every change email depends on it.
MOVERS = (ChangedBy.client, ChangedBy.practitioner)
#: A sent message's recipient, subject and content are kept this long (sealed) for the Emails
#: page, then dropped: the outbox must not become a second, long-lived copy of client details.
SENT_CONTENT_KEPT = timedelta(days=14)
#: A message whose content is dropped keeps its row (kind, time, booking) and loses who it went to and what it said.
DROPPED_CONTENT = {"recipient": "", "subject": "", "body_text": "", "body_html": "", "ics": None}


#: At most one reset email per account in this time: the form must not become a way to flood an inbox.
RESET_EMAIL_INTERVAL = timedelta(minutes=2)


@password_reset_requested.connect
def _password_reset_requested(practitioner: Practitioner, *, reset_url: str, now: datetime, **_) -> None:
    if not password_reset_owed_since(practitioner.id, now - RESET_EMAIL_INTERVAL):
        owe_password_reset(practitioner, reset_url=reset_url, now=now)


@practitioner_invited.connect
def _practitioner_invited(invitation: Invitation, *, invitation_url: str, now: datetime, **_) -> None:
    owe_invitation(
        invitation.practice,
        invited_by=invitation.invited_by,
        recipient=invitation.email,
        invitation_url=invitation_url,
        expires_at=invitation.expires_at,
        now=now,
    )


@booking_confirmed.connect
def _booking_confirmed(booking: Booking, *, now: datetime, **_) -> None:
    owe_booking_confirmed(booking, now=now)


@booking_rescheduled.connect
def _booking_rescheduled(booking: Booking, *, previous_start: datetime, now: datetime, by: ChangedBy, message: str = "", **_) -> None:
    owe_booking_rescheduled(booking, previous_start=previous_start, now=now, by=by, message=message)


@booking_cancelled.connect
def _booking_cancelled(booking: Booking, *, now: datetime, by: ChangedBy, message: str = "", **_) -> None:
    owe_booking_cancelled(booking, now=now, by=by, message=message)


@booking_hold_released.connect
def _booking_hold_released(booking: Booking, *, now: datetime, by: ChangedBy, **_) -> None:
    # A client who let the time go themselves knows already.
    if by is ChangedBy.expiry:
        owe_hold_released(booking, now=now)


@booking_awaiting_email.connect
def _booking_awaiting_email(booking: Booking, *, now: datetime, **_) -> None:
    owe_email_confirmation(booking, now=now)


@refund_succeeded.connect
def _refund_succeeded(refund: Refund, *, now: datetime, **_) -> None:
    owe_payment_refunded(refund, now=now)


@intake_needs_attention.connect
def _intake_needs_attention(response: IntakeResponse, *, now: datetime, **_) -> None:
    owe_intake_attention(response, now=now)


def owe_booking_confirmed(booking: Booking, *, now: datetime) -> None:
    """Owe the client a confirmation (.ics invitation, manage link, and the intake link when
    forms are asked for) and the practitioner a notice."""
    _assign_ids(booking)
    manage_url = manage_url_for(booking)
    _owe_client(
        booking,
        MessageKind.booking_confirmed,
        emails.booking_confirmed(booking, manage_url=manage_url, intake=intake_invitation_for(booking, now)),
        ics=_calendar(booking, CalendarMethod.request, now),
        now=now,
    )
    _owe_practitioner(
        booking,
        MessageKind.practitioner_new_booking,
        emails.practitioner_new_booking(booking, booking_url=admin_url_for(booking)),
        now=now,
    )


def owe_booking_cancelled(booking: Booking, *, now: datetime, by: ChangedBy, message: str = "") -> None:
    """Owe the client a cancellation (.ics METHOD:CANCEL) and the practitioner a notice.

    `by` is "client" or "practitioner"; `message` is the practitioner's note to the client
    (a client's own message is never emailed). Client emails not yet sent (a confirmation,
    an earlier new-time notice, a reminder) are superseded: they would announce a session
    that is gone.
    """
    _check_mover(by)
    message = _practitioners_note(by, message)
    _assign_ids(booking)
    _supersede_unsent_client_messages(booking)
    _owe_client(
        booking,
        MessageKind.booking_cancelled,
        emails.booking_cancelled(booking, by=by, message=message, rebook_url=rebook_url_for(booking)),
        ics=_calendar(booking, CalendarMethod.cancel, now),
        now=now,
    )
    _owe_practitioner(
        booking,
        MessageKind.practitioner_cancellation,
        emails.practitioner_cancellation(booking, by=by, message=message, booking_url=admin_url_for(booking)),
        now=now,
    )


def owe_booking_rescheduled(
    booking: Booking, *, previous_start: datetime, now: datetime, by: ChangedBy, message: str = ""
) -> None:
    """Owe the client the new time (same UID, the booking's raised SEQUENCE) and the practitioner a notice.

    The caller has already moved the booking and raised booking.sequence. `by` and `message`
    are as for owe_booking_cancelled. Client emails not yet sent, which show the old time, are
    superseded; the new time earns its own reminder.
    """
    _check_mover(by)
    message = _practitioners_note(by, message)
    _assign_ids(booking)
    _supersede_unsent_client_messages(booking)
    manage_url = manage_url_for(booking)
    _owe_client(
        booking,
        MessageKind.booking_rescheduled,
        emails.booking_rescheduled(
            booking, previous_start=previous_start, by=by, message=message, manage_url=manage_url
        ),
        ics=_calendar(booking, CalendarMethod.request, now),
        now=now,
    )
    _owe_practitioner(
        booking,
        MessageKind.practitioner_reschedule,
        emails.practitioner_reschedule(
            booking, previous_start=previous_start, by=by, message=message, booking_url=admin_url_for(booking)
        ),
        now=now,
    )


def owe_hold_released(booking: Booking, *, now: datetime) -> None:
    """Owe the client word that the time held while they paid is free again, and that nothing was charged."""
    _owe_client(booking, MessageKind.hold_released, emails.hold_released(booking, rebook_url=rebook_url_for(booking)), now=now)


def owe_email_confirmation(booking: Booking, *, now: datetime) -> None:
    """Owe a first-time client the link that makes their held booking final."""
    # In the client's formats, as the rest of their email: "10:00 AM" for en_US, not this request's.
    with in_locale(booking.locale):
        hold_ends = clock(booking.hold_expires_at, booking.client_timezone)
    email = emails.email_confirmation(booking, confirm_url=links.email_confirmation_url(booking.public_id), hold_ends=hold_ends)
    _owe_client(booking, MessageKind.email_confirmation, email, now=now)


def owe_payment_refunded(refund: Refund, *, now: datetime) -> None:
    """Owe the client word of a refund Stripe has confirmed: how much, and why in kind words."""
    booking = refund.payment.booking
    # Often owed from Stripe's webhook or the practitioner's panel: in the client's locale, as their email reads.
    with in_locale(booking.locale):
        amount = format_money(refund.amount_cents, refund.payment.currency)
    email = emails.payment_refunded(booking, amount=amount, reason=refund.reason.value, rebook_url=rebook_url_for(booking))
    _owe_client(booking, MessageKind.payment_refunded, email, now=now)


def reminder_key(booking: Booking) -> str:
    return f"reminder:{booking.id}:{booking.starts_at:%Y%m%dT%H%MZ}"


def owe_reminder(booking: Booking, *, now: datetime) -> bool:
    """Owe the client's reminder for the booking's current start; False if it is already owed.

    At most one reminder exists per booking and start time: the pre-check answers the common
    case, and the unique dedupe_key settles a race between two workers inside a savepoint, so
    the caller's transaction survives losing it. Only a confirmed booking is reminded.
    """
    if booking.status is not BookingStatus.confirmed:
        return False
    key = reminder_key(booking)
    if _already_owed(key):
        return False
    manage_url = manage_url_for(booking)
    email = emails.booking_reminder(booking, manage_url=manage_url, intake=intake_invitation_for(booking, now))
    try:
        with db.session.begin_nested():
            _owe_client(booking, MessageKind.booking_reminder, email, now=now, dedupe_key=key)
    except IntegrityError:
        return False
    return True


def intake_attention_key(response: IntakeResponse) -> str:
    return f"intake-attention:{response.id}"


def owe_intake_attention(response: IntakeResponse, *, now: datetime) -> bool:
    """Owe the practitioner who holds the booking an email that its intake needs attention; False if already owed.

    The email links to the intake and says when the session is: never who the client is, nor
    any answer, score or flag. Once per response, whatever the pages saved after; as with
    reminders, the dedupe key settles a race inside a savepoint, so the client's save survives it.
    """
    key = intake_attention_key(response)
    if _already_owed(key):
        return False
    booking = response.booking
    email = emails.intake_attention(booking, intake_url=intake_url_for(response))
    try:
        with db.session.begin_nested():
            add_message(
                MessageKind.intake_attention,
                practitioner=booking.practitioner,
                booking=booking,
                recipient=booking.practitioner.email,
                email=email,
                now=now,
                dedupe_key=key,
            )
    except IntegrityError:
        return False
    return True


def intake_invitation_for(booking: Booking, now: datetime) -> IntakeInvitation | None:
    """What the client's confirmation or reminder says about the booking's forms not yet sent; None when there are none."""
    if not intake.is_open(booking, now):
        return None
    unfilled = [item.form for item in intake.forms_to_fill(booking) if not item.done]
    if not unfilled:
        return None
    titles = () if booking.practice.discreet_emails else tuple(form.title for form in unfilled)
    return IntakeInvitation(url=intake.intake_url(booking), count=len(unfilled), titles=titles)


def owe_password_reset(practitioner: Practitioner, *, reset_url: str, now: datetime) -> None:
    """Owe the practitioner a password-reset link, at their account's address."""
    add_message(
        MessageKind.password_reset,
        practitioner=practitioner,
        booking=None,
        recipient=practitioner.email,
        email=emails.password_reset(practitioner, reset_url=reset_url),
        now=now,
    )


def owe_invitation(practice: Practice, *, invited_by: Practitioner, recipient: str, invitation_url: str, expires_at: datetime, now: datetime) -> None:
    """Owe an invited person the link to join the practice; it shows in the inviting owner's Emails."""
    add_message(
        MessageKind.invitation,
        practitioner=invited_by,
        booking=None,
        recipient=recipient,
        email=emails.invitation(practice, invited_by=invited_by, invitation_url=invitation_url, expires_at=expires_at),
        now=now,
    )


def password_reset_owed_since(practitioner_id: int, since: datetime) -> bool:
    return (
        db.session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.practitioner_id == practitioner_id,
                OutboxMessage.kind == MessageKind.password_reset,
                OutboxMessage.created_at > since,
            )
            .limit(1)
        )
        is not None
    )


def retry_message(message_id: int, *, now: datetime) -> bool:
    """Put a failed message back in the queue; False if it is not failed (the caller checked who may)."""
    begin_write_transaction()
    # Locked and re-read, so a message a worker is busy with is never reset under it.
    message = db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    # Once its content is dropped there is nothing left to send.
    if message is None or message.status is not OutboxStatus.failed or message.content_dropped_at is not None:
        db.session.rollback()
        return False
    message.status = OutboxStatus.pending
    message.attempts = 0
    message.next_attempt_at = now
    message.claimed_at = None
    message.last_error = ""
    db.session.commit()
    return True


def visible_messages(actor: Actor) -> ColumnElement[bool]:
    """SQL filter for the messages the Emails page shows `actor`."""
    return and_(
        visible_to(actor, OutboxMessage),
        or_(OutboxMessage.kind.not_in(ADDRESSEE_ONLY), OutboxMessage.practitioner_id == actor.practitioner_id),
    )


def may_see(actor: Actor, message: OutboxMessage) -> bool:
    """Whether `actor`, who may manage the message's practice or booking, may also open this message."""
    return message.kind not in ADDRESSEE_ONLY or message.practitioner_id == actor.practitioner_id


def messages_for(visible, *, page: int = 1) -> tuple[list[OutboxMessage], bool]:
    """One page of the messages `visible` (a SQL filter) selects, newest first; and whether there are older ones."""
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(visible)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    ).all()
    return list(messages[:PAGE_SIZE]), len(messages) > PAGE_SIZE


def failed_count(visible) -> int:
    return db.session.scalar(
        select(func.count(OutboxMessage.id)).where(visible, OutboxMessage.status == OutboxStatus.failed)
    )


def record_content_read(message: OutboxMessage, *, actor: Actor, now: datetime, what: str) -> None:
    """Write to the audit trail that `actor` is shown the message's content, before it is shown.

    Its content is sealed at rest and may name a client; once dropped, nothing is shown and
    nothing is recorded.
    """
    if message.content_dropped_at is not None:
        return
    audit.record_now(
        AuditAction.sealed_read, actor=actor, now=now, object_type="outbox_message", object_id=message.id, detail=what
    )


def drop_sent_content(*, now: datetime) -> int:
    """Drop who a message went to and what it said, SENT_CONTENT_KEPT after it was written,
    once it is sent, superseded or given up (a failed one can no longer be sent again).

    The row stays, so the Emails page still shows what kind of message went when, and to
    which booking; return how many were dropped.
    """
    begin_write_transaction()
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status.in_((OutboxStatus.sent, OutboxStatus.superseded, OutboxStatus.failed)),
            OutboxMessage.content_dropped_at.is_(None),
            OutboxMessage.created_at < now - SENT_CONTENT_KEPT,
        )
        .values(**DROPPED_CONTENT, content_dropped_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def drop_content_about(booking_ids, *, now: datetime) -> None:
    """Drop at once the content of every message about these bookings (ids, or a select of them),
    the practitioner's notices (which name the client) too. One not yet sent is superseded, so it
    never goes out empty. Joins the caller's transaction: an erasure drops them with everything else."""
    about = OutboxMessage.booking_id.in_(booking_ids)
    db.session.execute(
        update(OutboxMessage)
        .where(about, OutboxMessage.status.in_((OutboxStatus.pending, OutboxStatus.failed)))
        .values(status=OutboxStatus.superseded, dedupe_key=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(OutboxMessage)
        .where(about, OutboxMessage.content_dropped_at.is_(None))
        .values(**DROPPED_CONTENT, content_dropped_at=now)
        .execution_options(synchronize_session=False)
    )


def manage_url_for(booking: Booking) -> str:
    """The client's signed link to see, reschedule or cancel the booking; works in a worker too."""
    return links.manage_url(booking.public_id)


def admin_url_for(booking: Booking) -> str:
    return external_url("admin.booking_detail", booking_id=booking.id)


def intake_url_for(response: IntakeResponse) -> str:
    """The practitioner's link to read an intake in the panel; only they can open it."""
    return external_url("intake_admin.read_intake", response_id=response.id)


def rebook_url_for(booking: Booking) -> str:
    return external_url(
        "booking.practitioner_page", practice_slug=booking.practice.slug, slug=booking.practitioner.slug
    )


def _check_mover(by: ChangedBy) -> None:
    if by not in MOVERS:
        raise ValueError(f"by must be one of {MOVERS}, not {by!r}")


def _practitioners_note(by: ChangedBy, message: str) -> str:
    # Only the practitioner's note travels by email. A client's words are like their booking
    # note: they may speak of a loss, and mail is often read by someone else.
    return message if by is ChangedBy.practitioner else ""


def _assign_ids(booking: Booking) -> None:
    # The manage token needs the public id and the practitioner's link the row id; both are
    # given at flush, and the caller may not have flushed yet.
    if booking.id is None or booking.public_id is None:
        db.session.flush()


def _already_owed(dedupe_key: str) -> bool:
    return db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None


#: Client emails that describe the booking's time, and so go stale when it changes.
REPLACEABLE_KINDS = (MessageKind.booking_confirmed, MessageKind.booking_rescheduled, MessageKind.booking_reminder)


def _supersede_unsent_client_messages(booking: Booking) -> None:
    # Marked rather than deleted, so the Emails page still shows what was owed. A pending
    # or failed one sent later would reach the client after the newer email, showing the old
    # time; claiming takes only pending rows and "send again" only failed ones. The dedupe
    # key is freed so a booking moved back to an earlier start is owed that reminder again.
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.booking_id == booking.id,
            OutboxMessage.kind.in_(REPLACEABLE_KINDS),
            OutboxMessage.status.in_((OutboxStatus.pending, OutboxStatus.failed)),
        )
        .values(status=OutboxStatus.superseded, dedupe_key=None)
        .execution_options(synchronize_session="fetch")
    )


def _calendar(booking: Booking, method: CalendarMethod, now: datetime) -> str:
    # The client's calendar entry reads in the language they booked in, as the email it comes with.
    with in_locale(booking.locale):
        return booking_calendar(
            booking,
            method=method,
            summary=appointment_title(booking),
            location=location_text(booking.service),
            organizer=_organizer_address(booking.practice),
            now=now,
        )


def _organizer_address(practice: Practice) -> str:
    return organizer_address(practice, current_app.config["MAIL_DEFAULT_SENDER"])


def _owe_client(booking: Booking, kind: MessageKind, email: RenderedEmail, *, now: datetime, ics: str | None = None, dedupe_key: str | None = None) -> OutboxMessage:
    return add_message(
        kind,
        practitioner=booking.practitioner,
        booking=booking,
        recipient=booking.client.email,
        email=email,
        now=now,
        ics=ics,
        dedupe_key=dedupe_key,
    )


def _owe_practitioner(booking: Booking, kind: MessageKind, email: RenderedEmail, *, now: datetime) -> OutboxMessage:
    # The account address, not the public contact one: notices are for the practitioner alone.
    return add_message(
        kind, practitioner=booking.practitioner, booking=booking, recipient=booking.practitioner.email, email=email, now=now
    )


def add_message(
    kind: MessageKind,
    *,
    practitioner: Practitioner,
    booking: Booking | None,
    recipient: str,
    email: RenderedEmail,
    now: datetime,
    ics: str | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        kind=kind,
        practice_id=practitioner.practice_id,
        practitioner=practitioner,
        booking=booking,
        recipient=recipient,
        dedupe_key=dedupe_key,
        subject=email.subject,
        body_text=email.text,
        body_html=email.html,
        ics=ics,
        status=OutboxStatus.pending,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
    )
    db.session.add(message)
    return message


@erasure_requested.connect
def _erasure_requested(request: ErasureRequest, *, now: datetime, **_) -> None:
    owe_erasure_request_notice(request, now=now)


def owe_erasure_request_notice(request: ErasureRequest, *, now: datetime) -> None:
    """Owe the practitioner named on the request a notice that "a client" asked for erasure.

    A link to the requests page and nothing of who asked: mail is often read by someone else.
    Tied to no booking, so erasing the client leaves this notice, which names nobody, as it is.
    """
    practitioner = db.session.get(Practitioner, request.practitioner_id)
    add_message(
        MessageKind.erasure_requested,
        practitioner=practitioner,
        booking=None,
        recipient=practitioner.email,
        email=emails.erasure_requested(practitioner, requests_url=external_url("privacy_admin.erasure_requests")),
        now=now,
    )
