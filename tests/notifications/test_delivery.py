"""Delivery from the outbox: claims, file delivery, retries with backoff, giving up."""
import smtplib
from datetime import timedelta
from email import message_from_bytes, policy

import pytest

from practice.extensions import db
from practice.notifications import delivery
from practice.notifications.delivery import MAX_ATTEMPTS, Outcome
from practice.notifications.models import MessageKind, OutboxMessage, OutboxStatus
from tests.factories import make_practitioner
from tests.notifications.support import FROZEN_NOW, ICS, SENDER, free_port, new_outbox_message

NOW = FROZEN_NOW


def owe_message(app, **overrides) -> int:
    """An outbox row written directly, due at NOW; return its id."""
    with app.app_context():
        practitioner = make_practitioner(practice_name="Stillwater Practice", contact_email="hello@stillwater.test")
        message = new_outbox_message(practitioner, **overrides)
        db.session.add(message)
        db.session.commit()
        return message.id


def delivered(app, message_id: int):
    """Deliver the message to a file and read it back as a mail client would."""
    with app.app_context():
        assert delivery.deliver(message_id, now=NOW) is Outcome.sent
        return message_from_bytes(delivery.mail_file_path(message_id).read_bytes(), policy=policy.default)


def rename_practice(app, message_id: int, **settings) -> None:
    with app.app_context():
        practice = db.session.get(OutboxMessage, message_id).practitioner.practice
        for name, value in settings.items():
            setattr(practice, name, value)
        db.session.commit()


def file_mail_app(make_app, tmp_path, timeout: float):
    """An app writing mail to files, with MAIL_TIMEOUT_SECONDS set."""
    return make_app(MAIL_SERVER="", MAIL_DEFAULT_SENDER=SENDER, MAIL_FILE_DIR=str(tmp_path / "mail"), MAIL_TIMEOUT_SECONDS=timeout)


def lease_of(app) -> timedelta:
    with app.app_context():
        return delivery.lease()


def outbox_row(app, message_id: int) -> OutboxMessage:
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        db.session.expunge(message)
        return message


@pytest.fixture
def refused_app(make_app, tmp_path):
    """An app whose SMTP server is a closed port: every send fails to connect."""
    return make_app(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False,
        MAIL_DEFAULT_SENDER=SENDER, MAIL_FILE_DIR=str(tmp_path / "mail"),
    )


def test_a_claimed_message_cannot_be_claimed_again(app):
    message_id = owe_message(app)
    with app.app_context():
        first = delivery.claim(message_id, now=NOW)
        second = delivery.claim(message_id, now=NOW)
    assert first is not None and first.attempts == 1
    assert second is None
    assert outbox_row(app, message_id).status is OutboxStatus.sending


def test_a_message_not_yet_due_is_not_claimed(app):
    message_id = owe_message(app, next_attempt_at=NOW + timedelta(minutes=1))
    with app.app_context():
        assert delivery.claim(message_id, now=NOW) is None


def test_a_claim_older_than_the_lease_is_taken_over(app):
    message_id = owe_message(app, status=OutboxStatus.sending, attempts=1, claimed_at=NOW - lease_of(app) - timedelta(seconds=1))
    with app.app_context():
        assert delivery.claim(message_id, now=NOW - timedelta(seconds=2)) is None
        claimed = delivery.claim(message_id, now=NOW)
    assert claimed is not None and claimed.attempts == 2


@pytest.mark.parametrize("timeout, lease", [(30, timedelta(minutes=1)), (10, timedelta(seconds=20)), (2.5, timedelta(seconds=5))])
def test_the_lease_is_twice_the_mail_timeout(make_app, tmp_path, timeout, lease):
    assert lease_of(file_mail_app(make_app, tmp_path, timeout)) == lease


def test_a_message_whose_worker_died_mid_send_goes_again_a_minute_later_not_ten(make_app, tmp_path):
    app = file_mail_app(make_app, tmp_path, 30)
    died_a_minute_ago = owe_message(app, status=OutboxStatus.sending, attempts=1, claimed_at=NOW - timedelta(seconds=61))
    still_sending = owe_message(app, status=OutboxStatus.sending, attempts=1, claimed_at=NOW - timedelta(seconds=59))
    with app.app_context():
        assert delivery.sweep(now=NOW)[Outcome.sent] == 1
    assert outbox_row(app, died_a_minute_ago).status is OutboxStatus.sent
    assert outbox_row(app, still_sending).status is OutboxStatus.sending


def test_the_message_sent_again_after_the_lease_keeps_its_message_id(app):
    message_id = owe_message(app)
    with app.app_context():
        first_attempt = delivery.compose(delivery.claim(message_id, now=NOW), now=NOW)
        # That worker dies here, before sending or recording anything.
        assert delivery.deliver(message_id, now=NOW + lease_of(app) + timedelta(seconds=1)) is Outcome.sent
        path = delivery.mail_file_path(message_id)
    sent = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert sent["Message-ID"] == first_attempt.msgId
    assert outbox_row(app, message_id).attempts == 2


def test_a_sweep_stops_claiming_once_half_a_timeout_has_passed_and_the_next_one_goes_on(make_app, tmp_path):
    # A microsecond's timeout: the first delivery alone outlasts half of it.
    app = file_mail_app(make_app, tmp_path, 1e-6)
    message_ids = [owe_message(app) for _ in range(3)]
    with app.app_context():
        assert delivery.sweep(now=NOW)[Outcome.sent] == 1
        assert delivery.sweep(now=NOW)[Outcome.sent] == 1
    assert [outbox_row(app, message_id).status for message_id in message_ids] == [
        OutboxStatus.sent, OutboxStatus.sent, OutboxStatus.pending,
    ]


def test_sent_and_failed_messages_are_never_claimed(app):
    sent = owe_message(app, status=OutboxStatus.sent)
    failed = owe_message(app, status=OutboxStatus.failed)
    with app.app_context():
        assert delivery.claim(sent, now=NOW) is None
        assert delivery.claim(failed, now=NOW) is None


def test_without_a_mail_server_the_message_is_written_to_a_file_and_marked_sent(app):
    message_id = owe_message(app)
    with app.app_context():
        assert delivery.deliver(message_id, now=NOW) is Outcome.sent
        path = delivery.mail_file_path(message_id)
    email = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert email["To"] == "client@example.org"
    assert email["From"].addresses[0].display_name == "Stillwater Practice"
    assert email["From"].addresses[0].addr_spec == SENDER
    assert email.get_body(("plain",)).get_content().strip() == "See you soon."
    assert email.get_body(("html",)).get_content().strip() == "<p>See you soon.</p>"
    row = outbox_row(app, message_id)
    assert (row.status, row.sent_at, row.attempts) == (OutboxStatus.sent, NOW, 1)


def test_a_failed_send_records_the_error_type_and_retries_a_minute_later(refused_app):
    message_id = owe_message(refused_app)
    with refused_app.app_context():
        assert delivery.deliver(message_id, now=NOW) is Outcome.retrying
    row = outbox_row(refused_app, message_id)
    assert row.status is OutboxStatus.pending
    assert row.attempts == 1
    assert row.next_attempt_at == NOW + timedelta(minutes=1)
    assert row.last_error == "ConnectionRefusedError"


@pytest.mark.parametrize(
    "attempts, delay",
    [(1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (6, 32), (7, 60), (20, 60)],
)
def test_retries_back_off_exponentially_up_to_an_hour(attempts, delay):
    assert delivery.retry_delay(attempts) == timedelta(minutes=delay)


def test_a_message_is_failed_after_its_last_attempt(refused_app):
    message_id = owe_message(refused_app)
    now = NOW
    outcomes = []
    with refused_app.app_context():
        for attempt in range(1, MAX_ATTEMPTS + 1):
            outcomes.append(delivery.deliver(message_id, now=now))
            now += delivery.retry_delay(attempt)
        assert delivery.deliver(message_id, now=now + timedelta(days=1)) is Outcome.not_claimed
    assert outcomes == [Outcome.retrying] * (MAX_ATTEMPTS - 1) + [Outcome.failed]
    row = outbox_row(refused_app, message_id)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.failed, MAX_ATTEMPTS, "ConnectionRefusedError")


def test_a_retry_waits_for_its_time(refused_app):
    message_id = owe_message(refused_app)
    with refused_app.app_context():
        delivery.deliver(message_id, now=NOW)
        assert delivery.deliver(message_id, now=NOW + timedelta(seconds=59)) is Outcome.not_claimed
        assert delivery.deliver(message_id, now=NOW + timedelta(minutes=1)) is Outcome.retrying
    assert outbox_row(refused_app, message_id).attempts == 2


def test_a_message_abandoned_on_its_last_attempt_is_failed_by_the_sweep(app):
    message_id = owe_message(
        app, status=OutboxStatus.sending, attempts=MAX_ATTEMPTS, claimed_at=NOW - lease_of(app) - timedelta(minutes=1)
    )
    with app.app_context():
        delivery.sweep(now=NOW)
    assert outbox_row(app, message_id).status is OutboxStatus.failed


def test_the_sweep_sends_what_is_due_and_leaves_the_rest(app):
    due = owe_message(app)
    later = owe_message(app, next_attempt_at=NOW + timedelta(minutes=5))
    abandoned = owe_message(app, status=OutboxStatus.sending, attempts=1, claimed_at=NOW - timedelta(hours=1))
    with app.app_context():
        outcomes = delivery.sweep(now=NOW)
    assert outcomes[Outcome.sent] == 2
    assert outbox_row(app, due).status is OutboxStatus.sent
    assert outbox_row(app, abandoned).status is OutboxStatus.sent
    assert outbox_row(app, later).status is OutboxStatus.pending


def test_the_error_recorded_carries_the_smtp_code_but_never_the_address():
    refused = smtplib.SMTPRecipientsRefused({"grieving.client@example.org": (550, b"5.1.1 <grieving.client@example.org> unknown")})
    busy = smtplib.SMTPDataError(451, b"try later, grieving.client@example.org")
    assert delivery.describe_failure(refused) == "SMTPRecipientsRefused 550"
    assert delivery.describe_failure(busy) == "SMTPDataError 451"


def test_only_a_refused_recipient_is_given_up_at_once():
    assert delivery.is_permanent(smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no")}))
    assert not delivery.is_permanent(smtplib.SMTPRecipientsRefused({"a@example.org": (450, b"later")}))
    assert not delivery.is_permanent(smtplib.SMTPAuthenticationError(535, b"bad login"))
    assert not delivery.is_permanent(ConnectionRefusedError())


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_the_calendar_part_says_its_method(method):
    ics = ICS.replace("METHOD:REQUEST", f"METHOD:{method}")
    assert delivery.calendar_content_type(ics) == f"text/calendar; method={method}; charset=utf-8"


def test_a_practice_name_with_punctuation_stays_the_display_name(app):
    message_id = owe_message(app)
    rename_practice(app, message_id, name="Zoë's Rest, Bristol")

    email = delivered(app, message_id)

    assert email["From"].addresses[0].display_name == "Zoë's Rest, Bristol"
    assert email["Reply-To"].addresses[0].addr_spec == "hello@stillwater.test"


def test_a_practice_name_with_a_comma_is_quoted_in_the_from_header(app):
    message_id = owe_message(app)
    rename_practice(app, message_id, name="Rest, Recover and Grieve")

    email = delivered(app, message_id)

    assert email["From"] == f'"Rest, Recover and Grieve" <{SENDER}>'
    assert len(email["From"].addresses) == 1


def test_a_client_email_is_answered_at_the_practices_contact_address(app):
    email = delivered(app, owe_message(app))

    (reply_to,) = email["Reply-To"].addresses
    assert (reply_to.display_name, reply_to.addr_spec) == ("Stillwater Practice", "hello@stillwater.test")


def test_a_client_email_has_no_reply_to_when_the_practice_has_no_contact_address(app):
    message_id = owe_message(app)
    rename_practice(app, message_id, contact_email="")

    assert delivered(app, message_id)["Reply-To"] is None


@pytest.mark.parametrize(
    "kind",
    [MessageKind.practitioner_new_booking, MessageKind.password_reset, MessageKind.invitation],
    ids=lambda kind: kind.value,
)
def test_emails_to_practitioners_and_invitees_carry_no_reply_to(app, kind):
    email = delivered(app, owe_message(app, kind=kind, ics=None))

    assert email["Reply-To"] is None
    assert email["From"].addresses[0].display_name == "Stillwater Practice"
