"""The practitioner's reading of an intake: only who holds the booking, flags and score first, printable, downloadable, audited."""
import html as html_text
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from practice.accounts.models import Practice, Practitioner
from practice.extensions import db
from practice.intake import service
from practice.intake.definitions import DECLINED, Question, QuestionType, Section, with_section
from practice.intake.models import IntakeResponse
from practice.security.models import AuditAction, AuditEvent
from practice.sqltypes import MAX_ID
from tests.factories import log_in_as, make_booking, make_practitioner, make_service

NOW = datetime.now(timezone.utc).replace(microsecond=0)
SESSION = (NOW + timedelta(days=3)).replace(hour=10, minute=0, second=0)
#: An answer no page but the holder's reading of the intake may show.
CANARY = "CANARY-reading-4e1d: we named her Willow"
NOTES_LABEL = "Anything you would like your practitioner to know?"

#: Eight of the ten EPDS items answered (5 left out, 2 declined): 1 + 0 + 1 + 0 + 0 + 1 + 0 + 2 = 5.
FIRST_PAGE = {"q-epds_1": ["1"], "q-epds_2": [DECLINED], "q-epds_3": ["0"], "q-epds_4": ["1"]}
SECOND_PAGE = {"q-epds_6": ["0"], "q-epds_7": ["0"], "q-epds_8": ["1"], "q-epds_9": ["0"], "q-epds_10": ["2"]}
LAST_PAGE = {"q-notes": [CANARY]}


def epds_with_notes(practitioner):
    """The EPDS with a last page asking for free text, where the canary goes."""
    form = service.create_form(practitioner, template="epds", now=NOW)
    notes = Section("more", "Anything else", questions=(Question("notes", QuestionType.long_text, NOTES_LABEL),))
    service.change_form(form, lambda definition: with_section(definition, notes), now=NOW)
    return form


def booking_with_intake(practitioner, *, pages=(FIRST_PAGE, SECOND_PAGE, LAST_PAGE), client_name="Hannah Brooks"):
    """A booking of the practitioner's whose client answered `pages` of the EPDS."""
    form = epds_with_notes(practitioner)
    offered = make_service(practitioner, name="Grief counseling")
    service.set_services_asking(form, [offered.id])
    booking = make_booking(offered, SESSION, client_name=client_name, client_email=f"{client_name.split()[0].lower()}@example.org")
    for step, posted in enumerate(pages):
        service.save_page(booking, form.id, step, posted, now=NOW)
    response = db.session.scalar(select(IntakeResponse).where(IntakeResponse.booking_id == booking.id))
    return SimpleNamespace(booking_id=booking.id, response_id=response.id, form_title=form.title)


def logged_in(app, practitioner):
    client = app.test_client()
    log_in_as(client, practitioner)
    return client


@pytest.fixture
def practice(app):
    """An owner, two colleagues and another practice's owner, each logged in; the first colleague's client filled the EPDS."""
    with app.app_context():
        owner = make_practitioner(name="Rowan Hale", timezone="Europe/London")
        team = db.session.get(Practice, owner.practice_id)
        holder = make_practitioner(team, name="Imogen Reyes")
        other_colleague = make_practitioner(team, name="Ada Quinn")
        stranger = make_practitioner(name="Sam Other")
        intake = booking_with_intake(holder)
        return SimpleNamespace(
            intake=intake,
            holder_id=holder.id,
            owner_id=owner.id,
            holder=logged_in(app, holder),
            owner=logged_in(app, owner),
            colleague=logged_in(app, other_colleague),
            stranger=logged_in(app, stranger),
        )


def page_of(practice, suffix: str = "") -> str:
    return f"/admin/intake/{practice.intake.response_id}{suffix}"


def text_of(html: str) -> str:
    return html_text.unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


def described(html: str) -> dict[str, str]:
    return {
        text_of(term): text_of(detail) for term, detail in re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html, re.S)
    }


def intake_events(app) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "intake_response").order_by(AuditEvent.id)
        ).all()
        db.session.expunge_all()
        return events


def test_the_practitioner_holding_the_booking_reads_the_intake(practice):
    response = practice.holder.get(page_of(practice))

    assert response.status_code == 200
    details = described(response.text)
    assert details["Client"] == "Hannah Brooks"
    assert details["Form"] == f"{practice.intake.form_title} (version 1)"
    assert details["Status"].startswith("Sent ")
    assert CANARY in text_of(response.text)


@pytest.mark.parametrize(("suffix", "action"), [
    ("", AuditAction.intake_read),
    ("/print", AuditAction.intake_printed),
    ("/export", AuditAction.intake_exported),
])
def test_every_view_print_and_export_is_in_the_audit_trail(app, practice, suffix, action):
    assert practice.holder.get(page_of(practice, suffix)).status_code == 200

    (event,) = intake_events(app)
    assert (event.action, event.object_id, event.actor_id) == (action, practice.intake.response_id, practice.holder_id)
    assert event.detail == f"booking {practice.intake.booking_id}"


def test_the_audit_trail_names_the_reading_and_never_an_answer(app, practice):
    for suffix in ("", "/print", "/export"):
        practice.holder.get(page_of(practice, suffix))

    events = intake_events(app)
    assert [event.action for event in events] == [
        AuditAction.intake_read, AuditAction.intake_printed, AuditAction.intake_exported,
    ]
    for event in events:
        assert "CANARY" not in event.detail and "Willow" not in event.detail
        assert "Self-harm" not in event.detail


@pytest.mark.parametrize("suffix", ["", "/print", "/export"])
@pytest.mark.parametrize("who", ["owner", "colleague", "stranger"])
def test_no_one_but_the_practitioner_holding_the_booking_finds_the_intake(app, practice, who, suffix):
    response = getattr(practice, who).get(page_of(practice, suffix))

    assert response.status_code == 404
    assert "CANARY" not in response.text
    assert intake_events(app) == []


def test_a_visitor_is_asked_to_log_in(app, practice):
    response = app.test_client().get(page_of(practice))

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert intake_events(app) == []


@pytest.mark.parametrize("response_id", [0, MAX_ID + 1, 10**12])
def test_ids_that_cannot_exist_are_not_found(practice, response_id):
    assert practice.holder.get(f"/admin/intake/{response_id}").status_code == 404


def test_the_owner_reads_the_intake_of_a_booking_they_hold(app, practice):
    with app.app_context():
        own = booking_with_intake(db.session.get(Practitioner, practice.owner_id), client_name="Nia Owens")

    response = practice.owner.get(f"/admin/intake/{own.response_id}")

    assert response.status_code == 200
    assert described(response.text)["Client"] == "Nia Owens"
    assert [event.actor_id for event in intake_events(app)] == [practice.owner_id]


def test_flags_and_the_score_come_before_the_answers(practice):
    page = text_of(practice.holder.get(page_of(practice)).text)

    order = [
        "Needs attention",
        "Self-harm item answered above zero (EPDS item 10)",
        "EPDS score 5 of 30 — from 8 of 10 items",
        "Band Below the usual cut-off",
        "Cox JL, Holden JM, Sagovsky R.",
        "I have been able to laugh and see the funny side of things",
        CANARY,
    ]
    positions = [page.index(words) for words in order]
    assert positions == sorted(positions)


def test_a_complete_screener_says_so(app):
    with app.app_context():
        holder = make_practitioner()
        every_item = {f"q-epds_{n}": ["0"] for n in range(1, 6)}, {f"q-epds_{n}": ["0"] for n in range(6, 11)}
        intake = booking_with_intake(holder, pages=(*every_item, {}))
        client = logged_in(app, holder)
    page = text_of(client.get(f"/admin/intake/{intake.response_id}").text)

    assert "EPDS score 0 of 30 — complete" in page
    assert "No flags were raised." in page


def test_unanswered_and_declined_questions_are_shown_as_such_and_differently(practice):
    page = practice.holder.get(page_of(practice)).text
    answers = described(page)

    assert answers["I have looked forward with enjoyment to things"] == "Prefer not to say"
    assert answers["I have felt scared or panicky for no very good reason"] == "Not answered"
    assert answers["I have been anxious or worried for no good reason"] == "Hardly ever"
    assert '<em class="answer-declined">Prefer not to say</em>' in page
    assert '<span class="answer-missing">Not answered</span>' in page


def test_a_form_still_being_filled_says_it_is_not_sent_yet(app):
    with app.app_context():
        holder = make_practitioner()
        intake = booking_with_intake(holder, pages=(FIRST_PAGE,))
        client = logged_in(app, holder)
    page = client.get(f"/admin/intake/{intake.response_id}").text

    assert described(page)["Status"].endswith("— not sent yet")
    assert described(page)[NOTES_LABEL] == "Not answered"


def test_the_print_view_has_the_summary_without_navigation(practice):
    response = practice.holder.get(page_of(practice, "/print"))
    page = response.text

    assert response.status_code == 200
    assert "site-header" not in page and "Log out" not in page
    assert "use your browser's Print" in page
    assert "<script" not in page
    assert text_of(page).index("Needs attention") < text_of(page).index(CANARY)
    assert 'href="/static/tend.css"' in page


def test_the_stylesheet_prints_without_navigation(app):
    css = (Path(app.static_folder) / "tend.css").read_text()

    print_rules = css[css.index("@media print"):]
    assert ".site-header" in print_rules and ".no-print" in print_rules


def test_the_summary_links_to_the_print_view_and_the_download(practice):
    page = practice.holder.get(page_of(practice)).text

    assert f'href="{page_of(practice, "/print")}"' in page
    assert f'href="{page_of(practice, "/export")}"' in page


def test_the_export_is_a_json_download_kept_out_of_caches(practice):
    response = practice.holder.get(page_of(practice, "/export"))

    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="intake-{practice.intake.response_id}.json"'
    assert response.headers["Cache-Control"] == "no-store"
    exported = json.loads(response.text)
    assert exported["form"] == practice.intake.form_title
    assert (exported["attention"], exported["score"]["total"]) == ("needs_attention", 5)
    answers = {item["question"]: item for section in exported["sections"] for item in section["answers"]}
    assert answers[NOTES_LABEL]["answer"] == CANARY
    assert answers["I have looked forward with enjoyment to things"]["declined"] is True


@pytest.mark.parametrize("suffix", ["", "/print"])
def test_intake_pages_are_kept_out_of_caches(practice, suffix):
    assert practice.holder.get(page_of(practice, suffix)).headers["Cache-Control"] == "no-store"


def intake_section(page: str) -> str:
    start = page.index('<h2 id="intake">')
    return page[start:page.index("</div>", start)]


def test_the_booking_page_lists_its_forms_with_a_link_for_the_holder(practice):
    page = practice.holder.get(f"/admin/bookings/{practice.intake.booking_id}").text
    section = intake_section(page)

    assert practice.intake.form_title in html_text.unescape(section)
    assert "Sent" in section and "Needs attention" in section
    assert f'href="{page_of(practice)}"' in section
    assert "Only" not in section


def test_the_owner_sees_a_colleagues_forms_status_but_cannot_open_them(practice):
    page = practice.owner.get(f"/admin/bookings/{practice.intake.booking_id}").text
    section = intake_section(page)

    assert "Only Imogen Reyes can read this intake." in section
    assert "Sent" in section
    assert "/admin/intake/" not in page
    assert "Needs attention" not in page and "Self-harm" not in page


def test_a_form_not_yet_begun_is_listed_as_not_started_without_a_link(app):
    with app.app_context():
        holder = make_practitioner()
        form = service.create_form(holder, template="massage", now=NOW)
        offered = make_service(holder)
        service.set_services_asking(form, [offered.id])
        booking = make_booking(offered, SESSION)
        booking_id = booking.id
        client = logged_in(app, holder)
    section = intake_section(client.get(f"/admin/bookings/{booking_id}").text)

    assert "Not started" in section
    assert "/admin/intake/" not in section


def test_a_booking_whose_service_asks_no_forms_has_no_intake_section(app):
    with app.app_context():
        holder = make_practitioner()
        booking = make_booking(make_service(holder), SESSION)
        booking_id = booking.id
        client = logged_in(app, holder)
    page = client.get(f"/admin/bookings/{booking_id}").text

    assert 'id="intake"' not in page
