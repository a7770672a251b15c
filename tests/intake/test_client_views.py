"""The client's intake pages, walked with links and forms only: the list, one section per page, resuming, sending, care."""
import html
import logging
import re
import time
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from practice.accounts.models import Practitioner
from practice.booking.models import Booking, BookingStatus
from practice.booking.service import manage_token
from practice.catalog.models import Service
from practice.extensions import db
from practice.intake import links, service
from practice.intake.definitions import (
    DECLINED,
    Choice,
    Condition,
    FormDefinition,
    Question,
    QuestionType,
    Section,
    with_section,
)
from practice.intake.models import IntakeResponse
from practice.intake.starter_forms import STARTER_FORMS
from practice.security.redact_tokens import RedactTokens
from tests.booking.test_bad_input import flip
from tests.factories import make_booking, make_practitioner, make_service

NOW = datetime.now(timezone.utc).replace(microsecond=0)
SESSION = NOW + timedelta(days=3)
CRISIS = "Call the Willow line on 0800 000 111, day or night.\nOr text REST to 85258."
#: Something only a client would type: it must never leave the page it was typed on.
CANARY = "CANARY-client-7c2f: her name was Juniper"

EVERY_KIND = FormDefinition(
    title="Every kind of question",
    intro="A form that asks one of everything.",
    sections=(
        Section(
            key="kinds",
            title="All the kinds",
            intro="Take your time.",
            questions=(
                Question("note", QuestionType.information, "The next questions are about you."),
                Question("short", QuestionType.short_text, "Your first name", required=True),
                Question("long", QuestionType.long_text, "Anything else", help="A few words are plenty.", allow_decline=True),
                Question(
                    "one", QuestionType.single_choice, "Pick one", required=True, allow_decline=True,
                    choices=(Choice("a", "Apple"), Choice("b", "Bread")),
                ),
                Question(
                    "many", QuestionType.multiple_choice, "Pick some", allow_decline=True,
                    choices=(Choice("x", "Ash"), Choice("y", "Yew"), Choice("z", "Oak")),
                ),
                Question("yn", QuestionType.yes_no, "Did you walk today?"),
                Question("follow", QuestionType.short_text, "Where did you walk?", condition=Condition("yn", "yes")),
                Question("pain", QuestionType.scale, "How sore?", scale_max=4, min_label="Not at all", max_label="Very"),
                Question("when", QuestionType.date, "A date", allow_decline=True),
                Question("count", QuestionType.number, "How many", allow_decline=True),
            ),
        ),
        Section(
            key="sign",
            title="Signing",
            questions=(
                Question("why", QuestionType.short_text, "Why did you walk?", condition=Condition("yn", "yes")),
                Question("agree", QuestionType.consent, "Our agreement", required=True, statement="I agree to be gentle with myself."),
            ),
        ),
    ),
)

FIRST_PAGE = {
    "q-short": ["Hannah"],
    "q-long": [CANARY],
    "q-one": ["b"],
    "q-many": ["x", "z"],
    "q-yn": ["yes"],
    "q-follow": ["By the river"],
    "q-pain": ["3"],
    "q-when": ["2026-03-14"],
    "q-count": ["2,5"],
}
SIGNED = {"q-agree-name": ["Hannah Brooks"], "q-agree-agree": ["yes"]}

EPDS_FIRST = {f"q-epds_{n}": ["0"] for n in range(1, 6)}


def epds_second(item_10: str) -> dict:
    return {**{f"q-epds_{n}": ["0"] for n in range(6, 10)}, "q-epds_10": [item_10]}


class Inputs(HTMLParser):
    """Every input, textarea and link of a page, by id, with its attributes (a textarea's text as "value")."""

    def __init__(self, text: str):
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.links: list[str] = []
        self._textarea: str | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "textarea", "fieldset", "div", "p", "button") and "id" in attrs:
            self.by_id[attrs["id"]] = attrs | {"tag": tag}
        if tag == "textarea":
            self._textarea = attrs.get("id")
            self.by_id[self._textarea]["value"] = ""
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.by_id[self._textarea]["value"] += data


def text_of(response) -> str:
    """The page's words, without tags, for reading what a client sees."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def summary_links(response) -> list[str]:
    """Where the error summary's links lead, in order."""
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', response.get_data(as_text=True), re.S)
    return re.findall(r'href="#([^"]+)"', summary.group(0)) if summary else []


def signed_days_ago(days: int) -> type[TimestampSigner]:
    """A signer whose tokens say they were made `days` ago."""

    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - days * 86400

    return Signer


def title_of(response) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", response.get_data(as_text=True), re.S).group(1)).strip()


@pytest.fixture
def practice(app):
    with app.app_context():
        practitioner = make_practitioner(
            name="Imogen Reyes", practice_name="Stillwater Practice", contact_email="hello@stillwater.example",
            crisis_resources=CRISIS,
        )
        offered = make_service(practitioner, name="Grief counseling")
        return SimpleNamespace(practitioner_id=practitioner.id, service_id=offered.id)


@pytest.fixture
def add_form(app, practice):
    """add_form(template="grief" | definition=…): a form of the practitioner's that the service asks for; its id."""

    def add(template: str = "", definition: FormDefinition | None = None, service_id: int | None = None) -> int:
        with app.app_context():
            practitioner = db.session.get(Practitioner, practice.practitioner_id)
            form = service.create_form(practitioner, template=template, title="Blank", now=NOW)
            if definition is not None:
                service.change_form(form, lambda _: definition, now=NOW)
            asking = service.services_asking(form.id)
            service.set_services_asking(form, asking + [service_id or practice.service_id])
            return form.id

    return add


@pytest.fixture
def book(app, practice):
    """book(starts_at=SESSION, **overrides) → the booking's id, intake token and manage path."""

    def build(starts_at: datetime = SESSION, service_id: int | None = None, **overrides) -> SimpleNamespace:
        with app.app_context():
            offered = db.session.get(Service, service_id or practice.service_id)
            booking = make_booking(offered, starts_at, **overrides)
            return SimpleNamespace(
                id=booking.id,
                public_id=booking.public_id,
                token=service.intake_token(booking),
                manage=f"/manage/{manage_token(booking, app.config['SECRET_KEY'])}",
            )

    return build


def answers(app, booking_id: int, form_id: int) -> dict | None:
    with app.app_context():
        response = db.session.scalar(
            select(IntakeResponse).where(IntakeResponse.booking_id == booking_id, IntakeResponse.form_id == form_id)
        )
        return None if response is None else service.answers_of(response) | {"_status": response.status.value}


# --- the list of forms ------------------------------------------------------------------------


def test_the_list_shows_each_form_with_its_status_and_a_link_to_start_or_continue(client, add_form, book):
    grief, epds = add_form("grief"), add_form("epds")
    booked = book()
    client.post(f"/intake/{booked.token}/{epds}/0", data=EPDS_FIRST)

    response = client.get(f"/intake/{booked.token}")

    assert response.status_code == 200
    words = text_of(response)
    assert "Before we meet To fill in Start “Before we meet”" in words
    assert "How you have been feeling (EPDS) Started Continue “How you have been feeling (EPDS)”" in words
    links_on_page = Inputs(response.get_data(as_text=True)).links
    assert f"/intake/{booked.token}/{grief}" in links_on_page
    assert f"/intake/{booked.token}/{epds}" in links_on_page


def test_a_sent_form_is_listed_as_sent_without_a_link(client, add_form, book):
    epds = add_form("epds")
    booked = book()
    client.post(f"/intake/{booked.token}/{epds}/0", data=EPDS_FIRST)
    client.post(f"/intake/{booked.token}/{epds}/1", data=epds_second("0"))

    response = client.get(f"/intake/{booked.token}")

    assert "How you have been feeling (EPDS) Sent" in text_of(response)
    assert "everything is sent" in text_of(response)
    assert f"/intake/{booked.token}/{epds}" not in Inputs(response.get_data(as_text=True)).links


def test_a_service_that_asks_for_no_forms_lists_none(client, book):
    response = client.get(f"/intake/{book().token}")

    assert response.status_code == 200
    assert "There is nothing to fill in for this booking." in text_of(response)


# --- resuming ---------------------------------------------------------------------------------


def test_resuming_a_form_not_begun_opens_its_first_page(client, add_form, book):
    grief = add_form("grief")
    booked = book()

    response = client.get(f"/intake/{booked.token}/{grief}")

    assert response.status_code == 303
    assert response.location == f"/intake/{booked.token}/{grief}/0"


def test_resuming_opens_the_page_the_client_reached(client, add_form, book):
    grief = add_form("grief")
    booked = book()
    client.post(f"/intake/{booked.token}/{grief}/0", data={"q-loss_kind": ["miscarriage"]})
    client.post(f"/intake/{booked.token}/{grief}/1", data={"q-referred_as": ["my_baby"]})

    response = client.get(f"/intake/{booked.token}/{grief}")

    assert response.status_code == 303
    assert response.location == f"/intake/{booked.token}/{grief}/2"


def test_resuming_a_sent_form_opens_its_thanks(client, add_form, book):
    epds = add_form("epds")
    booked = book()
    client.post(f"/intake/{booked.token}/{epds}/0", data=EPDS_FIRST)
    client.post(f"/intake/{booked.token}/{epds}/1", data=epds_second("0"))

    assert client.get(f"/intake/{booked.token}/{epds}").location == f"/intake/{booked.token}/{epds}/sent"
    assert client.get(f"/intake/{booked.token}/{epds}/0").location == f"/intake/{booked.token}/{epds}/sent"


def test_a_page_further_on_than_the_client_reached_sends_them_back_to_it(client, add_form, book):
    grief = add_form("grief")
    booked = book()

    response = client.get(f"/intake/{booked.token}/{grief}/3")

    assert response.status_code == 303
    assert response.location == f"/intake/{booked.token}/{grief}/0"


def test_the_sent_page_of_a_form_not_yet_sent_resumes_it(client, add_form, book):
    grief = add_form("grief")
    booked = book()

    response = client.get(f"/intake/{booked.token}/{grief}/sent")

    assert response.status_code == 303
    assert response.location == f"/intake/{booked.token}/{grief}"


# --- one section per page ---------------------------------------------------------------------


def test_a_page_shows_its_progress_section_and_intro(client, add_form, book):
    form = add_form(definition=EVERY_KIND)
    booked = book()

    response = client.get(f"/intake/{booked.token}/{form}/0")

    assert response.status_code == 200
    # Titles stay in browser history: a discreet practice's pages name neither the form nor its section.
    assert title_of(response) == "Step 1 of 2 · Stillwater Practice"
    words = text_of(response)
    assert "Step 1 of 2 All the kinds" in words
    assert re.search(r'<progress max="2" value="1" aria-labelledby="intake-progress">', response.get_data(as_text=True))
    assert words.index("A form that asks one of everything.") < words.index("Take your time.")
    # The information text is a calm note, before the questions that follow it.
    assert words.index("The next questions are about you.") < words.index("Your first name")
    assert "Save and continue" in words
    assert "close this page and come back later with the same link" in words


def test_each_kind_of_question_has_its_input(client, add_form, book):
    form = add_form(definition=EVERY_KIND)
    booked = book()

    page = Inputs(client.get(f"/intake/{booked.token}/{form}/0").get_data(as_text=True)).by_id

    assert page["q-short"]["type"] == "text" and "required" in page["q-short"]
    assert page["q-long"]["tag"] == "textarea" and page["q-long"]["aria-describedby"] == "q-long-hint"
    assert page["q-long-declined"]["type"] == "checkbox" and page["q-long-declined"]["name"] == "q-long-declined"
    assert (page["q-one-0"]["type"], page["q-one-1"]["value"]) == ("radio", "b")
    assert page["q-one-declined"] == page["q-one-declined"] | {"type": "radio", "name": "q-one", "value": DECLINED}
    assert {page[f"q-many-{n}"]["type"] for n in range(3)} == {"checkbox"}
    assert page["q-many-declined"]["value"] == DECLINED
    assert [page[f"q-yn-{n}"]["value"] for n in range(2)] == ["yes", "no"]
    assert [page[f"q-pain-{n}"]["value"] for n in range(5)] == ["0", "1", "2", "3", "4"]
    assert page["q-pain-ends"]["tag"] == "p"
    assert page["q-when"]["type"] == "date"
    assert page["q-count"]["inputmode"] == "decimal"
    assert "q-yn-declined" not in page


def test_choices_are_grouped_in_a_fieldset_with_a_legend(client, add_form, book):
    form = add_form(definition=EVERY_KIND)
    booked = book()

    body = client.get(f"/intake/{booked.token}/{form}/0").get_data(as_text=True)

    for legend in ("Pick one", "Pick some", "Did you walk today?", "How sore?"):
        assert re.search(rf"<fieldset[^>]*>\s*<legend>{re.escape(legend)}", body)
    assert re.search(r"<label for=\"q-pain-0\">0<span class=\"visually-hidden\"> \(Not at all\)</span></label>", body)


def test_a_consent_shows_its_statement_a_name_to_type_and_a_box_to_agree(client, add_form, book):
    form = add_form(definition=EVERY_KIND)
    booked = book()
    client.post(f"/intake/{booked.token}/{form}/0", data=FIRST_PAGE)

    response = client.get(f"/intake/{booked.token}/{form}/1")

    page = Inputs(response.get_data(as_text=True)).by_id
    assert "I agree to be gentle with myself." in text_of(response)
    assert page["q-agree-name"]["name"] == "q-agree-name" and "required" in page["q-agree-name"]
    assert page["q-agree-agree"]["type"] == "checkbox"
    assert '<label for="q-agree-name">Type your full name</label>' in response.get_data(as_text=True)
    assert '<label for="q-agree-agree">I agree</label>' in response.get_data(as_text=True)
    assert "Send to Imogen Reyes" in text_of(response)


def test_every_kind_of_answer_is_saved_and_shown_again(app, client, add_form, book):
    form = add_form(definition=EVERY_KIND)
    booked = book()

    response = client.post(f"/intake/{booked.token}/{form}/0", data=FIRST_PAGE)

    assert response.status_code == 303
    assert response.location == f"/intake/{booked.token}/{form}/1"
    assert CANARY not in response.location
    assert answers(app, booked.id, form) == {
        "short": "Hannah", "long": CANARY, "one": "b", "many": ["x", "z"], "yn": "yes", "follow": "By the river",
        "pain": "3", "when": "2026-03-14", "count": "2.5", "_status": "in_progress",
    }
    page = Inputs(client.get(f"/intake/{booked.token}/{form}/0").get_data(as_text=True)).by_id
    assert page["q-short"]["value"] == "Hannah"
    assert page["q-long"]["value"] == CANARY
    assert "checked" in page["q-one-1"] and "checked" not in page["q-one-0"]
    assert ["checked" in page[f"q-many-{n}"] for n in range(3)] == [True, False, True]
    assert "checked" in page["q-yn-0"]
    assert page["q-follow"]["value"] == "By the river"
    assert "checked" in page["q-pain-3"]
    assert page["q-when"]["value"] == "2026-03-14"
    assert page["q-count"]["value"] == "2.5"


def test_the_last_page_sends_the_form_and_thanks_the_client(app, client, add_form, book):
    form = add_form(definition=EVERY_KIND)
    booked = book()
    client.post(f"/intake/{booked.token}/{form}/0", data=FIRST_PAGE)

    response = client.post(f"/intake/{booked.token}/{form}/1", data=SIGNED | {"q-why": ["For the air"]})

    assert response.status_code == 303
    assert response.location == f"/intake/{booked.token}/{form}/sent"
    stored = answers(app, booked.id, form)
    assert stored["_status"] == "submitted"
    assert stored["agree"]["name"] == "Hannah Brooks" and stored["why"] == "For the air"
    sent = client.get(response.location)
    assert sent.status_code == 200
    words = text_of(sent)
    assert "Thank you" in words
    assert "Your answers to “Every kind of question” are sent to Imogen Reyes" in words
    assert "What happens next" in words
    assert "Back to your forms" not in words
    assert "If you need support right now" not in words


def test_the_sent_page_links_back_to_the_list_while_other_forms_remain(client, add_form, book):
    epds, _grief = add_form("epds"), add_form("grief")
    booked = book()
    client.post(f"/intake/{booked.token}/{epds}/0", data=EPDS_FIRST)
    client.post(f"/intake/{booked.token}/{epds}/1", data=epds_second("0"))

    sent = client.get(f"/intake/{booked.token}/{epds}/sent")

    assert "There is one more form to fill in" in text_of(sent)
    assert f"/intake/{booked.token}" in Inputs(sent.get_data(as_text=True)).links


def test_back_opens_the_page_before_with_its_answers_kept(client, add_form, book):
    grief = add_form("grief")
    booked = book()
    client.post(f"/intake/{booked.token}/{grief}/0", data={"q-loss_kind": ["stillbirth"]})

    page = client.get(f"/intake/{booked.token}/{grief}/1")
    back = f"/intake/{booked.token}/{grief}/0"
    assert back in Inputs(page.get_data(as_text=True)).links
    earlier = Inputs(client.get(back).get_data(as_text=True)).by_id

    assert "checked" in earlier["q-loss_kind-4"]


def test_a_form_already_sent_is_not_changed_by_posting_again(app, client, add_form, book):
    epds = add_form("epds")
    booked = book()
    client.post(f"/intake/{booked.token}/{epds}/0", data=EPDS_FIRST)
    client.post(f"/intake/{booked.token}/{epds}/1", data=epds_second("0"))

    response = client.post(f"/intake/{booked.token}/{epds}/0", data={"q-epds_1": ["3"]})

    assert response.location == f"/intake/{booked.token}/{epds}/sent"
    assert answers(app, booked.id, epds)["epds_1"] == "0"


# --- errors -----------------------------------------------------------------------------------


def test_required_questions_left_empty_come_back_with_a_linked_error_summary(app, client, add_form, book):
    form = add_form(definition=EVERY_KIND)
    booked = book()

    response = client.post(f"/intake/{booked.token}/{form}/0", data={"q-long": ["Something I typed"]})

    assert response.status_code == 422
    assert title_of(response).startswith("Error: Step 1 of 2")
    body = response.get_data(as_text=True)
    assert summary_links(response) == ["q-short", "q-one-0"]
    page = Inputs(body).by_id
    assert page["q-short"]["aria-invalid"] == "true"
    assert page["q-short"]["aria-describedby"] == "q-short-error"
    assert page["q-short-error"]["tag"] == "p"
    assert page["q-one-0"]["aria-invalid"] == "true"
    assert '<fieldset class="intake-choices" aria-describedby="q-one-error">' in body
    assert page["q-one-error"]["tag"] == "p"
    assert "Please answer this question, or choose “Prefer not to say”." in text_of(response)
    # What was typed stays on the page; nothing was saved.
    assert page["q-long"]["value"] == "Something I typed"
    assert answers(app, booked.id, form) is None


def test_a_consent_without_the_box_ticked_is_refused(client, add_form, book):
    form = add_form(definition=EVERY_KIND)
    booked = book()
    client.post(f"/intake/{booked.token}/{form}/0", data=FIRST_PAGE)

    response = client.post(f"/intake/{booked.token}/{form}/1", data={"q-agree-name": ["Hannah Brooks"]})

    assert response.status_code == 422
    assert "Please tick the box to agree" in text_of(response)
    assert summary_links(response) == ["q-agree-name"]
    assert Inputs(response.get_data(as_text=True)).by_id["q-agree-name"]["value"] == "Hannah Brooks"


def test_an_overlong_answer_is_refused_with_its_length(app, client, add_form, book):
    form = add_form(definition=EVERY_KIND)
    booked = book()

    response = client.post(f"/intake/{booked.token}/{form}/0", data=FIRST_PAGE | {"q-long": ["x" * 4001]})

    assert response.status_code == 422
    assert "Please keep this to 4,000 characters (it has 4,001)." in text_of(response)
    assert answers(app, booked.id, form) is None


@pytest.mark.parametrize(
    "posted",
    [
        {"q-short": ["Han\x00nah"]},
        {"q-one": ["b\x00"]},
        {"q-\x00": ["x"]},
    ],
    ids=["NUL in a text", "NUL in a choice", "NUL in a name"],
)
def test_a_nul_character_is_refused_before_anything_is_saved(app, client, add_form, book, posted):
    form = add_form(definition=EVERY_KIND)
    booked = book()

    response = client.post(f"/intake/{booked.token}/{form}/0", data=FIRST_PAGE | posted)

    assert response.status_code == 400
    assert answers(app, booked.id, form) is None


def test_a_choice_not_offered_is_refused(client, add_form, book):
    form = add_form(definition=EVERY_KIND)
    booked = book()

    response = client.post(f"/intake/{booked.token}/{form}/0", data=FIRST_PAGE | {"q-one": ["<script>"], "q-pain": ["99"]})

    assert response.status_code == 422
    assert "<script>" not in response.get_data(as_text=True)
    assert summary_links(response) == ["q-one-0", "q-pain-0"]


def test_an_oversized_request_is_413(client, add_form, book):
    form = add_form(definition=EVERY_KIND)
    booked = book()

    response = client.post(f"/intake/{booked.token}/{form}/0", data=FIRST_PAGE | {"q-long": ["x" * 300_000]})

    assert response.status_code == 413


# --- "Prefer not to say" and conditions ---------------------------------------------------------


def test_prefer_not_to_say_is_kept_and_shown_again(app, client, add_form, book):
    form = add_form(definition=EVERY_KIND)
    booked = book()
    declining = FIRST_PAGE | {
        "q-long": [""], "q-long-declined": [DECLINED], "q-one": [DECLINED], "q-many": [DECLINED],
        "q-when": [""], "q-when-declined": [DECLINED], "q-count-declined": [DECLINED],
    }

    assert client.post(f"/intake/{booked.token}/{form}/0", data=declining).status_code == 303

    stored = answers(app, booked.id, form)
    assert [stored[key] for key in ("long", "one", "many", "when", "count")] == [DECLINED] * 5
    page = Inputs(client.get(f"/intake/{booked.token}/{form}/0").get_data(as_text=True)).by_id
    for checked in ("q-long-declined", "q-one-declined", "q-many-declined", "q-when-declined", "q-count-declined"):
        assert "checked" in page[checked], checked
    assert page["q-long"]["value"] == "" and page["q-count"]["value"] == ""
    assert "checked" not in page["q-one-0"]


def test_a_question_that_depends_on_an_answer_on_its_page_is_shown_with_a_hint(client, add_form, book):
    form = add_form(definition=EVERY_KIND)
    booked = book()

    response = client.get(f"/intake/{booked.token}/{form}/0")

    assert "Only if you answered “Yes” to “Did you walk today?”" in text_of(response)
    holder = re.search(r'<div class="field intake-question"([^>]*)>\s*<label for="q-follow">', response.get_data(as_text=True))
    assert holder.group(1).strip() == 'data-shown-when="q-yn" data-shown-value="yes"'


def test_an_answer_to_a_question_that_does_not_apply_is_ignored(app, client, add_form, book):
    form = add_form(definition=EVERY_KIND)
    booked = book()

    client.post(f"/intake/{booked.token}/{form}/0", data=FIRST_PAGE | {"q-yn": ["no"], "q-follow": ["Typed anyway"]})

    assert "follow" not in answers(app, booked.id, form)


def test_a_question_that_depends_on_an_earlier_page_is_asked_only_when_it_applies(client, add_form, book):
    form = add_form(definition=EVERY_KIND)
    walked, stayed = book(), book(client_email="sam@example.org")
    client.post(f"/intake/{walked.token}/{form}/0", data=FIRST_PAGE)
    client.post(f"/intake/{stayed.token}/{form}/0", data=FIRST_PAGE | {"q-yn": ["no"]})

    asked = client.get(f"/intake/{walked.token}/{form}/1")
    not_asked = client.get(f"/intake/{stayed.token}/{form}/1")

    assert "Why did you walk?" in text_of(asked)
    assert "Only if you answered" not in text_of(asked)
    assert "Why did you walk?" not in text_of(not_asked)


# --- links that are not right, and forms that are closed ----------------------------------------


def test_a_link_that_is_not_ours_is_a_kind_404_naming_no_practice(client):
    response = client.get("/intake/not-a-token")

    assert response.status_code == 404
    words = text_of(response)
    assert "This link has expired or isn't quite right" in words
    assert "opened the whole link" in words
    assert "Stillwater" not in words


def tampered(token: str) -> dict[str, str]:
    payload, timestamp, signature = token.split(".")
    ours = URLSafeTimedSerializer("test-secret", salt=links.SALT)
    return {
        "payload changed": f"{flip(payload[0])}{payload[1:]}.{timestamp}.{signature}",
        "signature changed": f"{payload}.{timestamp}.{flip(signature[0])}{signature[1:]}",
        "signed with another key": URLSafeTimedSerializer("another-key", salt=links.SALT).dumps("x"),
        "a manage link's signature": URLSafeTimedSerializer("test-secret", salt="tend.manage").dumps("x"),
        "well signed, no such booking": ours.dumps("nobody-has-this-id"),
        "well signed, not a string": ours.dumps({"id": 1}),
        "very long": "a" * 5000,
    }


def test_tampered_links_are_404_on_every_page(app, client, add_form, book, subtests):
    grief = add_form("grief")
    booked = book()
    for case, token in tampered(booked.token).items():
        for path in (f"/intake/{token}", f"/intake/{token}/{grief}", f"/intake/{token}/{grief}/0", f"/intake/{token}/{grief}/sent"):
            with subtests.test(case=case, path=path[:60]):
                assert client.get(path).status_code == 404
        with subtests.test(case=case, method="POST"):
            assert client.post(f"/intake/{token}/{grief}/0", data={"q-loss_kind": ["stillbirth"]}).status_code == 404
    assert answers(app, booked.id, grief) is None


def test_an_expired_link_is_a_404_that_says_how_to_reach_the_practice(app, client, add_form, book):
    grief = add_form("grief")
    booked = book()

    expired = URLSafeTimedSerializer("test-secret", salt=links.SALT, signer=signed_days_ago(31)).dumps(booked.public_id)

    for path in (f"/intake/{expired}", f"/intake/{expired}/{grief}/0"):
        response = client.get(path)
        assert response.status_code == 404
        words = text_of(response)
        assert "This link has expired or isn't quite right" in words
        assert "write to hello@stillwater.example" in words
        assert "Before we meet" not in words


def test_links_last_as_many_days_as_the_install_says(make_app):
    app = make_app(INTAKE_LINK_DAYS=40)
    with app.app_context():
        practitioner = make_practitioner()
        booking = make_booking(make_service(practitioner), SESSION)
        signed_long_ago = URLSafeTimedSerializer("test-secret", salt=links.SALT, signer=signed_days_ago(31))

        assert app.test_client().get(f"/intake/{signed_long_ago.dumps(booking.public_id)}").status_code == 200


def test_a_form_the_booking_does_not_have_is_a_404_that_leads_back_to_its_forms(app, client, add_form, book, practice):
    grief = add_form("grief")
    booked = book()
    with app.app_context():
        colleague = make_practitioner(db.session.get(Practitioner, practice.practitioner_id).practice)
        elsewhere = make_service(colleague).id
    other_practitioners = add_form("epds", service_id=elsewhere)
    other_booking = book(service_id=elsewhere, client_email="sam@example.org")

    for form_id in (other_practitioners, grief + 1000, 2**40):
        for path in (f"/intake/{booked.token}/{form_id}", f"/intake/{booked.token}/{form_id}/0", f"/intake/{booked.token}/{form_id}/sent"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert "We couldn't find that form for your booking." in text_of(response)
            assert f"/intake/{booked.token}" in Inputs(response.get_data(as_text=True)).links
    assert client.get(f"/intake/{other_booking.token}/{grief}/0").status_code == 404
    assert client.post(f"/intake/{booked.token}/{other_practitioners}/0", data=EPDS_FIRST).status_code == 404
    assert answers(app, booked.id, other_practitioners) is None


def test_a_step_beyond_the_form_is_404(client, add_form, book):
    grief = add_form("grief")
    booked = book()

    assert client.get(f"/intake/{booked.token}/{grief}/6").status_code == 404
    assert client.get(f"/intake/{booked.token}/{grief}/{2**40}").status_code == 404
    assert client.get(f"/intake/{booked.token}/{grief}/-1").status_code == 404
    assert client.get(f"/intake/{booked.token}/{grief}/two").status_code == 404


def test_a_cancelled_booking_says_calmly_that_its_forms_are_closed(app, client, add_form, book):
    grief = add_form("grief")
    booked = book(status=BookingStatus.cancelled)

    for path in (f"/intake/{booked.token}", f"/intake/{booked.token}/{grief}", f"/intake/{booked.token}/{grief}/0"):
        response = client.get(path)
        assert response.status_code == 410, path
        words = text_of(response)
        assert "These forms can no longer be filled in" in words
        assert "This booking was cancelled" in words
        assert "hello@stillwater.example" in words
    assert client.post(f"/intake/{booked.token}/{grief}/0", data={"q-loss_kind": ["stillbirth"]}).status_code == 410
    assert answers(app, booked.id, grief) is None


def test_a_booking_cancelled_while_the_client_fills_a_page_closes_it(app, client, add_form, book):
    grief = add_form("grief")
    booked = book()
    client.get(f"/intake/{booked.token}/{grief}/0")
    with app.app_context():
        db.session.get(Booking, booked.id).status = BookingStatus.cancelled
        db.session.commit()

    response = client.post(f"/intake/{booked.token}/{grief}/0", data={"q-loss_kind": ["stillbirth"]})

    assert response.status_code == 410
    assert answers(app, booked.id, grief) is None


def test_once_the_session_has_begun_the_forms_are_closed(client, add_form, book):
    grief = add_form("grief")
    booked = book(starts_at=NOW - timedelta(minutes=5))

    response = client.get(f"/intake/{booked.token}/{grief}/0")

    assert response.status_code == 410
    assert "The time of this session has come" in text_of(response)


# --- care: crisis resources ---------------------------------------------------------------------


@pytest.fixture
def epds_then_more(add_form):
    """The EPDS with a page after it, so the page after item 10 is a question page, not the thanks."""
    more = Section("more", "Anything else", questions=(Question("notes", QuestionType.long_text, "Anything else?"),))
    return add_form(definition=with_section(STARTER_FORMS["epds"].definition, more))


def test_epds_item_10_above_zero_shows_the_practices_crisis_resources_on_every_later_page(client, epds_then_more, book):
    booked = book()
    before = client.post(f"/intake/{booked.token}/{epds_then_more}/0", data=EPDS_FIRST)
    assert "If you need support right now" not in text_of(client.get(before.location))

    after = client.post(f"/intake/{booked.token}/{epds_then_more}/1", data=epds_second("1"))

    assert after.status_code == 303
    assert after.location == f"/intake/{booked.token}/{epds_then_more}/2"
    next_page = client.get(after.location)
    body = next_page.get_data(as_text=True)
    crisis = re.search(r'<section class="crisis card" aria-labelledby="crisis-title">.*?</section>', body, re.S).group(0)
    assert "If you need support right now" in crisis
    assert html.escape(CRISIS, quote=False) in crisis  # its line break kept, for the stylesheet to show
    assert body.index("crisis-title") < body.index("<h1>")
    assert "score" not in text_of(next_page).lower()
    errors = client.post(f"/intake/{booked.token}/{epds_then_more}/2", data={"q-notes": ["x" * 4001]})
    assert errors.status_code == 422 and "If you need support right now" in text_of(errors)
    sent = client.post(f"/intake/{booked.token}/{epds_then_more}/2", data={"q-notes": [""]})
    assert "If you need support right now" in text_of(client.get(sent.location))


def test_epds_item_10_answered_zero_shows_no_crisis_resources(client, epds_then_more, book):
    booked = book()
    client.post(f"/intake/{booked.token}/{epds_then_more}/0", data=EPDS_FIRST)

    after = client.post(f"/intake/{booked.token}/{epds_then_more}/1", data=epds_second("0"))

    assert "If you need support right now" not in text_of(client.get(after.location))


def test_epds_item_10_on_its_last_page_shows_crisis_resources_with_the_thanks(client, add_form, book):
    epds = add_form("epds")
    booked = book()
    client.post(f"/intake/{booked.token}/{epds}/0", data=EPDS_FIRST)

    sent = client.post(f"/intake/{booked.token}/{epds}/1", data=epds_second("2"))

    words = text_of(client.get(sent.location))
    assert "If you need support right now" in words
    assert "Call the Willow line on 0800 000 111" in words
    assert "Thank you" in words


# --- privacy ------------------------------------------------------------------------------------


def test_every_intake_page_is_kept_out_of_caches_and_referer_headers(client, add_form, book):
    grief = add_form("grief")
    booked = book()
    cancelled = book(status=BookingStatus.cancelled, client_email="sam@example.org")
    pages = [
        client.get(f"/intake/{booked.token}"),
        client.get(f"/intake/{booked.token}/{grief}"),
        client.get(f"/intake/{booked.token}/{grief}/0"),
        client.post(f"/intake/{booked.token}/{grief}/0", data={"q-loss_own_words": ["x" * 4001], "q-loss_kind": ["own_words"]}),
        client.post(f"/intake/{booked.token}/{grief}/0", data={"q-loss_kind": ["stillbirth"]}),
        client.get("/intake/not-a-token"),
        client.get(f"/intake/{booked.token}/{grief}/not-a-step"),
        client.get(f"/intake/{cancelled.token}"),
    ]

    assert [response.status_code for response in pages] == [200, 303, 200, 422, 303, 404, 404, 410]
    for response in pages:
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_no_answer_is_ever_in_a_redirect_or_a_flash(client, add_form, book):
    form = add_form(definition=EVERY_KIND)
    booked = book()

    first = client.post(f"/intake/{booked.token}/{form}/0", data=FIRST_PAGE)
    last = client.post(f"/intake/{booked.token}/{form}/1", data=SIGNED)

    for response in (first, last):
        assert CANARY not in response.location and "Hannah" not in response.location
        assert "?" not in response.location
    sent = client.get(last.location)
    assert CANARY not in sent.get_data(as_text=True)
    assert "flash" not in sent.get_data(as_text=True)


def test_the_filter_redacts_intake_tokens_and_keeps_the_rest_of_the_path():
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, "%s - - [%s] %s", ("127.0.0.1", "date", '"POST /intake/abc.def.ghi/3/1 HTTP/1.1" 303 -'), None,
    )

    RedactTokens().filter(record)

    assert record.getMessage() == '127.0.0.1 - - [date] "POST /intake/…/3/1 HTTP/1.1" 303 -'


def test_no_answer_reaches_the_logs(app, client, add_form, book, caplog):
    grief = add_form("grief")
    booked = book()

    with caplog.at_level(logging.DEBUG):
        client.post(f"/intake/{booked.token}/{grief}/0", data={"q-loss_own_words": [CANARY], "q-loss_kind": ["own_words"]})
        client.get(f"/intake/{booked.token}/{grief}/1")

    assert CANARY not in caplog.text


# --- the manage page ----------------------------------------------------------------------------


def test_the_manage_page_lists_the_forms_to_fill_with_their_links(client, add_form, book):
    grief, epds = add_form("grief"), add_form("epds")
    booked = book()
    client.post(f"/intake/{booked.token}/{epds}/0", data=EPDS_FIRST)

    response = client.get(booked.manage)

    assert response.status_code == 200
    words = text_of(response)
    assert "Before your session" in words
    assert words.index("Before your session") < words.index("Keep this page's address")
    assert "Fill in “Before we meet”" in words
    assert "Continue “How you have been feeling (EPDS)”" in words
    form_links = [href for href in Inputs(response.get_data(as_text=True)).links if href.startswith("/intake/")]
    assert [href.rsplit("/", 1)[1] for href in form_links] == [str(grief), str(epds)]
    assert client.get(form_links[0]).location.endswith(f"/{grief}/0")
    assert client.get(form_links[1]).location.endswith(f"/{epds}/1")


def test_the_manage_page_thanks_the_client_once_every_form_is_sent(client, add_form, book):
    epds = add_form("epds")
    booked = book()
    client.post(f"/intake/{booked.token}/{epds}/0", data=EPDS_FIRST)
    client.post(f"/intake/{booked.token}/{epds}/1", data=epds_second("0"))

    words = text_of(client.get(booked.manage))

    assert "your forms are sent to Imogen Reyes" in words
    assert "How you have been feeling (EPDS): Sent" in words


def test_the_manage_page_says_nothing_of_forms_when_the_service_asks_for_none(client, book):
    assert "Before your session" not in text_of(client.get(book().manage))


def test_the_manage_page_of_a_cancelled_booking_offers_no_forms(client, add_form, book):
    add_form("grief")
    booked = book(status=BookingStatus.cancelled)

    words = text_of(client.get(booked.manage))

    assert "This booking is cancelled" in words
    assert "Before your session" not in words
