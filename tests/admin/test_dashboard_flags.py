"""Intake flags on the dashboard: a worded badge and a "Needs your attention" list, for the booking's own practitioner only."""
import html as html_text
import re
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from practice.accounts.models import Practice, Practitioner
from practice.booking.models import Booking, BookingStatus
from practice.extensions import db
from practice.intake import service
from tests.factories import log_in_as, make_booking, make_practitioner, make_service

NOW = datetime.now(timezone.utc).replace(microsecond=0)
SOON = (NOW + timedelta(days=3)).replace(minute=0, second=0)
SELF_HARM = {"q-epds_10": ["1"]}
HEAVY_BLEEDING = {"q-bleeding_now": ["heavy"]}


def flagged_booking(practitioner: Practitioner, *, template: str, step: int, posted: dict, client_name: str, starts_at: datetime = SOON) -> int:
    """A booking of the practitioner's whose client saved one page of the template's form."""
    form = service.create_form(practitioner, template=template, now=NOW)
    offered = make_service(practitioner)
    service.set_services_asking(form, [offered.id])
    booking = make_booking(offered, starts_at, client_name=client_name, client_email=f"{client_name.split()[0].lower()}@example.org")
    for earlier in range(step):
        service.save_page(booking, form.id, earlier, {}, now=NOW)
    service.save_page(booking, form.id, step, posted, now=NOW)
    return booking.id


def card_of(page: str, booking_id: int) -> str:
    """The dashboard card of one booking, tags dropped."""
    link = f'href="/admin/bookings/{booking_id}"'
    start = page.rindex('<li class="card">', 0, page.rindex(link))
    return " ".join(html_text.unescape(re.sub(r"<[^>]+>", " ", page[start:page.index("</li>", start)])).split())


def attention_list(page: str) -> str:
    start = page.index('<h2 id="needs-attention">')
    return page[start:page.index("</section>", start)]


@pytest.fixture
def colleague(any_app, logged_in):
    """A practitioner of the logged-in owner's practice, logged in on a test client of their own."""
    with any_app.app_context():
        created = make_practitioner(db.session.get(Practice, logged_in.practice_id), name="Imogen Reyes")
        client = any_app.test_client()
        log_in_as(client, created)
        return SimpleNamespace(id=created.id, client=client)


@pytest.fixture
def colleagues_flags(any_app, colleague):
    """The colleague's bookings: one whose EPDS needs attention, one with a massage red flag, one with nothing flagged."""
    with any_app.app_context():
        holder = db.session.get(Practitioner, colleague.id)
        return SimpleNamespace(
            self_harm=flagged_booking(holder, template="epds", step=1, posted=SELF_HARM, client_name="Hannah Brooks"),
            bleeding=flagged_booking(
                holder, template="massage", step=0, posted=HEAVY_BLEEDING, client_name="Jess Amari", starts_at=SOON + timedelta(hours=2)
            ),
            calm=flagged_booking(
                holder, template="massage", step=0, posted={"q-bleeding_now": ["none"]}, client_name="Lou Park",
                starts_at=SOON + timedelta(hours=4),
            ),
        )


def test_the_practitioner_sees_a_worded_badge_on_each_flagged_booking(colleague, colleagues_flags):
    page = colleague.client.get("/admin/").text

    assert "Needs attention" in card_of(page, colleagues_flags.self_harm)
    assert "Check before session" in card_of(page, colleagues_flags.bleeding)
    calm = card_of(page, colleagues_flags.calm)
    assert "Needs attention" not in calm and "Check before session" not in calm


def test_the_needs_your_attention_list_links_each_flagged_booking_most_urgent_first(colleague, colleagues_flags):
    listed = attention_list(colleague.client.get("/admin/").text)

    links = re.findall(r'href="/admin/bookings/(\d+)"', listed)
    assert links == [str(colleagues_flags.self_harm), str(colleagues_flags.bleeding)]
    assert "Needs attention" in listed and "Check before session" in listed
    assert "Hannah Brooks" in listed


def test_the_owner_sees_no_badge_on_a_colleagues_booking(client, logged_in, colleagues_flags):
    page = client.get("/admin/").text

    assert "Hannah Brooks" in card_of(page, colleagues_flags.self_harm)
    assert "Needs attention" not in page
    assert "Check before session" not in page
    assert 'id="needs-attention"' not in page


def test_the_owner_sees_the_badge_of_a_booking_they_hold(any_app, client, logged_in, colleagues_flags):
    with any_app.app_context():
        own = flagged_booking(
            db.session.get(Practitioner, logged_in.id), template="epds", step=1, posted=SELF_HARM, client_name="Nia Owens"
        )

    page = client.get("/admin/").text

    assert "Needs attention" in card_of(page, own)
    assert re.findall(r'href="/admin/bookings/(\d+)"', attention_list(page)) == [str(own)]


def test_a_cancelled_booking_leaves_the_attention_list(any_app, colleague, colleagues_flags):
    with any_app.app_context():
        db.session.get(Booking, colleagues_flags.self_harm).status = BookingStatus.cancelled
        db.session.commit()

    listed = attention_list(colleague.client.get("/admin/").text)

    assert re.findall(r'href="/admin/bookings/(\d+)"', listed) == [str(colleagues_flags.bleeding)]


def test_no_list_when_nothing_is_flagged(any_app, client, logged_in):
    with any_app.app_context():
        flagged_booking(
            db.session.get(Practitioner, logged_in.id), template="massage", step=0, posted={"q-bleeding_now": ["none"]},
            client_name="Lou Park",
        )

    page = client.get("/admin/").text

    assert "Lou Park" in page
    assert 'id="needs-attention"' not in page
