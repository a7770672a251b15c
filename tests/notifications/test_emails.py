"""What each email says: both parts, the practice's name, discreet subjects, and never the client's note."""
import re
import shutil
from urllib.parse import urlsplit

import pytest

from practice import create_app
from practice.booking.states import ChangedBy
from practice.extensions import db
from practice.notifications import service
from practice.notifications.emails import DEFAULT_ACCENT
from practice.notifications.models import CLIENT_KINDS, MessageKind
from tests.conftest import BASE_TEST_CONFIG
from tests.factories import make_service
from tests.notifications.email_samples import (
    CLIENT_NOTE,
    CLIENT_PHONE,
    INVITATION_URL,
    INVITEE,
    NOW,
    PRACTICE_NAME,
    SERVICE_NAME,
    make_booked,
    make_stillwater,
    owe_every_kind,
    snapshot,
)

WITH_MANAGE_LINK = [MessageKind.booking_confirmed, MessageKind.booking_rescheduled, MessageKind.booking_reminder]
#: Emails about an account or the practice, tied to no booking: they have no service to name.
ACCOUNT_KINDS = {MessageKind.password_reset, MessageKind.invitation, MessageKind.erasure_requested}
BOOKING_KINDS = [kind for kind in MessageKind if kind not in ACCOUNT_KINDS]


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory, sqlite_template):
    """One email of every kind, made once for the module: the tests only read them."""
    path = tmp_path_factory.mktemp("every-kind") / "tend.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        yield owe_every_kind(make_booked())
        db.engine.dispose()


def test_every_kind_is_rendered(every_kind):
    assert set(every_kind) == set(MessageKind)


@pytest.mark.parametrize("kind", list(MessageKind), ids=lambda kind: kind.value)
def test_every_email_has_a_text_and_an_html_part_in_the_practices_name(every_kind, kind):
    sent = every_kind[kind]

    assert sent.text.strip() and sent.html.strip()
    assert sent.html.lstrip().startswith("<!doctype html>")
    assert "<p" not in sent.text and "<html" not in sent.text
    assert PRACTICE_NAME in sent.text
    assert PRACTICE_NAME in sent.html


@pytest.mark.parametrize("kind", list(MessageKind), ids=lambda kind: kind.value)
def test_no_email_carries_the_clients_note(every_kind, kind):
    assert "PRIVATE-NOTE" not in every_kind[kind].everything
    assert CLIENT_NOTE not in every_kind[kind].everything


@pytest.mark.parametrize("kind", list(MessageKind), ids=lambda kind: kind.value)
def test_no_email_names_the_service_by_default(every_kind, kind):
    assert SERVICE_NAME not in every_kind[kind].everything
    assert "Pregnancy" not in every_kind[kind].subject


@pytest.mark.parametrize("kind", BOOKING_KINDS, ids=lambda kind: kind.value)
def test_every_booking_email_names_the_service_when_the_practice_allows(app, kind):
    with app.app_context():
        sent = owe_every_kind(make_booked(make_stillwater(discreet_emails=False)))[kind]

        assert SERVICE_NAME in sent.subject
        assert SERVICE_NAME in sent.text
        assert "PRIVATE-NOTE" not in sent.everything


def test_confirmation_subject_names_the_practice_and_the_time_only(every_kind):
    assert every_kind[MessageKind.booking_confirmed].subject == "Your appointment with Stillwater Practice on Tue 3 March, 10:00"


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        (MessageKind.booking_rescheduled, "New time for your appointment with Stillwater Practice: Wed 4 March, 10:00"),
        (MessageKind.booking_reminder, "A reminder of your appointment with Stillwater Practice on Wed 4 March, 10:00"),
        (MessageKind.booking_cancelled, "Your appointment with Stillwater Practice on Wed 4 March, 10:00 is cancelled"),
        (MessageKind.practitioner_new_booking, "New booking: Hannah, Tue 3 March, 10:00"),
        (MessageKind.practitioner_reschedule, "Moved: Hannah, now Wed 4 March, 10:00"),
        (MessageKind.practitioner_cancellation, "Cancelled: Hannah, Wed 4 March, 10:00"),
        (MessageKind.password_reset, "Reset your Tend password"),
    ],
    ids=lambda value: value.value if isinstance(value, MessageKind) else "",
)
def test_subjects_say_what_happened_and_when(every_kind, kind, subject):
    assert every_kind[kind].subject == subject


def test_client_emails_go_to_the_client_and_notices_to_the_practitioners_account(app):
    with app.app_context():
        booking = make_booked()
        account_email = booking.practitioner.email
        sent = owe_every_kind(booking)

        for kind, message in sent.items():
            if kind is MessageKind.invitation:
                assert message.recipient == INVITEE
            else:
                assert message.recipient == ("hannah@example.org" if kind in CLIENT_KINDS else account_email)


def test_client_emails_give_times_in_the_clients_zone_and_name_it(app):
    with app.app_context():
        booking = make_booked(client_timezone="America/Toronto")
        service.owe_booking_confirmed(booking, now=NOW)
        sent = snapshot()[MessageKind.booking_confirmed]

        assert sent.subject.endswith("Tue 3 March, 05:00")
        assert "Tuesday, 3 March 2026, 05:00–06:00 (Toronto time, UTC\u22125)" in sent.text
        assert "(Toronto time, UTC\u22125)" in sent.html


def test_practitioner_emails_give_times_in_the_practitioners_zone(app):
    with app.app_context():
        booking = make_booked(make_stillwater(timezone="Asia/Tokyo"), client_timezone="America/Toronto")
        service.owe_booking_confirmed(booking, now=NOW)
        sent = snapshot()[MessageKind.practitioner_new_booking]

        assert "Tuesday, 3 March 2026, 19:00–20:00 (Tokyo time, UTC+9)" in sent.text


@pytest.mark.parametrize("kind", WITH_MANAGE_LINK, ids=lambda kind: kind.value)
def test_client_emails_carry_the_manage_link_in_both_parts(app, kind):
    with app.app_context():
        booking = make_booked()
        sent = owe_every_kind(booking)[kind]
        manage_url = service.manage_url_for(booking)

        assert manage_url in sent.text
        assert f'href="{manage_url}"' in sent.html


@pytest.mark.parametrize("kind", WITH_MANAGE_LINK, ids=lambda kind: kind.value)
def test_the_manage_link_opens_the_booking(app, client, kind):
    with app.app_context():
        sent = owe_every_kind(make_booked())[kind]
    link = re.search(r"https?://\S+/manage/\S+", sent.text).group(0)

    response = client.get(urlsplit(link).path)

    assert response.status_code == 200
    assert b"Hannah" in response.data


def test_cancellation_carries_a_way_to_book_again_but_no_manage_link(app):
    with app.app_context():
        booking = make_booked()
        sent = owe_every_kind(booking)[MessageKind.booking_cancelled]

        assert "/manage/" not in sent.everything
        assert f"/book/{booking.practice.slug}/{booking.practitioner.slug}" in sent.text


def test_practitioner_notices_link_to_the_booking_in_the_panel(app):
    with app.app_context():
        booking = make_booked()
        sent = owe_every_kind(booking)

        for kind in (MessageKind.practitioner_new_booking, MessageKind.practitioner_reschedule, MessageKind.practitioner_cancellation):
            assert f"/admin/bookings/{booking.id}" in sent[kind].text


def test_new_booking_notice_gives_the_clients_email_and_pronouns(every_kind):
    notice = every_kind[MessageKind.practitioner_new_booking]

    assert "hannah@example.org" in notice.text
    assert "she/her" in notice.text


@pytest.mark.parametrize("kind", list(MessageKind), ids=lambda kind: kind.value)
def test_no_email_carries_the_clients_phone_number(every_kind, kind):
    # The number is sealed on the client's record: the practitioner opens the booking to see it.
    assert CLIENT_PHONE not in every_kind[kind].everything
    assert "07700" not in every_kind[kind].everything


@pytest.mark.parametrize("kind", [MessageKind.booking_rescheduled, MessageKind.booking_cancelled], ids=lambda kind: kind.value)
def test_the_practitioners_message_reaches_the_client(every_kind, kind):
    sent = every_kind[kind]

    assert "I'm so sorry to move this." in sent.text
    assert "I&#39;m so sorry to move this.<br>Take care, Rowan" in sent.html


def test_the_practitioners_message_is_escaped_in_html(app):
    with app.app_context():
        sent = owe_every_kind(make_booked(), message="<img src=x onerror=alert(1)>")

        assert "<img" not in sent[MessageKind.booking_cancelled].html
        assert "&lt;img src=x" in sent[MessageKind.booking_cancelled].html


def test_client_names_are_escaped_in_html(app):
    with app.app_context():
        sent = owe_every_kind(make_booked(preferred_name="<script>alert(1)</script>"))

        for message in sent.values():
            assert "<script>" not in message.html


def test_practice_and_service_names_are_escaped_in_html(app):
    # The refund's words are a .txt template shared with the text part: its HTML must still escape them.
    with app.app_context():
        practitioner = make_stillwater(practice_name="<i>Stillwater</i>", discreet_emails=False)
        sent = owe_every_kind(make_booked(practitioner, service=make_service(practitioner, name="<b>Massage</b>")))

        for message in sent.values():
            assert "<i>" not in message.html and "<b>" not in message.html


@pytest.mark.parametrize(
    ("by", "client_says", "practitioner_says"),
    [
        (ChangedBy.client, "As you asked", "Hannah cancelled their session"),
        (ChangedBy.practitioner, "has had to cancel your appointment", "You cancelled Hannah's session"),
    ],
)
def test_cancellation_wording_depends_on_who_cancelled(app, by, client_says, practitioner_says):
    with app.app_context():
        sent = owe_every_kind(make_booked(), by=by, message="")

        assert client_says in sent[MessageKind.booking_cancelled].text
        assert practitioner_says in sent[MessageKind.practitioner_cancellation].text


def test_emails_wear_the_practices_accent_colour(app):
    with app.app_context():
        sent = owe_every_kind(make_booked(make_stillwater(accent_colour="#5b2a86")))

        assert all("#5b2a86" in message.html for message in sent.values())


def test_a_malformed_stored_colour_falls_back_to_the_default(app):
    with app.app_context():
        practitioner = make_stillwater()
        practitioner.practice.accent_colour = "red;x"
        db.session.commit()
        sent = owe_every_kind(make_booked(practitioner))

        assert all("red;x" not in message.html and DEFAULT_ACCENT in message.html for message in sent.values())


def test_reset_email_carries_the_link_in_both_parts(every_kind):
    sent = every_kind[MessageKind.password_reset]

    assert "http://localhost/reset/a-token" in sent.text
    assert 'href="http://localhost/reset/a-token"' in sent.html


def test_the_invitation_carries_the_link_in_both_parts(every_kind):
    sent = every_kind[MessageKind.invitation]

    assert INVITATION_URL in sent.text
    assert f'href="{INVITATION_URL}"' in sent.html


def test_the_invitation_subject_names_who_invites_to_which_practice_but_carries_no_link(app):
    with app.app_context():
        booking = make_booked()
        inviter = booking.practitioner.name
        sent = owe_every_kind(booking)[MessageKind.invitation]

        assert sent.subject == f"{inviter} invites you to join {PRACTICE_NAME} on Tend"
        assert "/join/" not in sent.subject


def test_the_longest_names_still_fit_the_subject_column(app):
    with app.app_context():
        practitioner = make_stillwater(practice_name="P" * 120, discreet_emails=False)
        longest = make_service(practitioner, name="S" * 120)
        sent = owe_every_kind(make_booked(practitioner, service=longest, client_name="C" * 120, preferred_name=""))

        assert all(len(message.subject) <= 300 for message in sent.values())
        db.session.commit()


def test_a_clients_own_message_is_never_emailed(app):
    with app.app_context():
        sent = owe_every_kind(make_booked(), by=ChangedBy.client, message="PRIVATE-MESSAGE: I had another loss last week")

        for message in sent.values():
            assert "PRIVATE-MESSAGE" not in message.everything


def test_a_line_break_in_a_name_cannot_reach_a_subject_header(app):
    with app.app_context():
        sent = owe_every_kind(make_booked(preferred_name="Hannah\r\nBcc: someone@example.org"))

        assert all("\n" not in message.subject and "\r" not in message.subject for message in sent.values())
