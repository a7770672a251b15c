"""The form builder's pages: templates in one click, sections and questions of every type, versions, services, archive."""
import html as html_text
import re
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from practice.accounts.models import Practice, Practitioner
from practice.catalog.models import Service
from practice.extensions import db
from practice.intake import service
from practice.intake.builder_forms import FIELDS_OF_TYPE, question_data
from practice.intake.definitions import Choice, Condition, QuestionType
from practice.intake.models import IntakeForm, IntakeResponse
from practice.intake.starter_forms import STARTER_FORMS
from tests.factories import log_in_as, make_booking, make_practitioner, make_service

NOW = datetime.now(timezone.utc).replace(microsecond=0)
SESSION = (NOW + timedelta(days=3)).replace(hour=10, minute=0, second=0)

#: What the question editor posts for a new question of each type, besides its wording.
POSTED_FOR_TYPE = {
    QuestionType.short_text: {"help": "As on your records."},
    QuestionType.long_text: {"allow_decline": "y"},
    QuestionType.single_choice: {"choices": "Morning\r\nAfternoon\r\nEvening", "required": "y"},
    QuestionType.multiple_choice: {"choices": "Oils\nLotions\nNuts", "allow_decline": "y"},
    QuestionType.yes_no: {"required": "y"},
    QuestionType.scale: {"scale_max": "5", "min_label": "Not at all", "max_label": "Very much"},
    QuestionType.date: {},
    QuestionType.number: {},
    QuestionType.consent: {"statement": "I agree to the massage as explained.", "required": "y"},
    QuestionType.information: {},
}


def logged_in(app, practitioner):
    client = app.test_client()
    log_in_as(client, practitioner)
    return client


@pytest.fixture
def team(app):
    """A practice's owner and a colleague, another practice's owner, each logged in; the colleague has a service."""
    with app.app_context():
        owner = make_practitioner(name="Rowan Hale")
        colleague = make_practitioner(db.session.get(Practice, owner.practice_id), name="Imogen Reyes")
        stranger = make_practitioner(name="Sam Other")
        offered = make_service(colleague, name="Recovery massage")
        return SimpleNamespace(
            owner_id=owner.id,
            colleague_id=colleague.id,
            service_id=offered.id,
            owner=logged_in(app, owner),
            colleague=logged_in(app, colleague),
            stranger=logged_in(app, stranger),
        )


def form_of(app, practitioner_id: int, template: str = "", title: str = "") -> int:
    with app.app_context():
        return service.create_form(db.session.get(Practitioner, practitioner_id), template=template, title=title, now=NOW).id


def definition(app, form_id: int):
    with app.app_context():
        return db.session.get(IntakeForm, form_id).latest.definition


def version_numbers(app, form_id: int) -> list[int]:
    with app.app_context():
        return [version.number for version in db.session.get(IntakeForm, form_id).versions]


def text_of(response) -> str:
    """The page as words, tags dropped and spaces collapsed."""
    return html_text.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.data.decode()).split()))


def main_of(response) -> str:
    page = response.data.decode()
    return page[page.index("<main"):page.index("</main>")]


@pytest.fixture
def blank(app, team):
    """The colleague's form with one empty section; its id."""
    form_id = form_of(app, team.colleague_id, title="Before your session")
    team.colleague.post(f"/admin/forms/{form_id}/sections", data={"new-section-title": "About you"})
    return form_id


def add_question(client, form_id: int, section_key: str, question_type: QuestionType, label: str, **posted):
    return client.post(
        f"/admin/forms/{form_id}/sections/{section_key}/questions/new?type={question_type.value}",
        data={"label": label, "condition": "", **posted},
    )


# --- the list -----------------------------------------------------------------------------


def test_the_list_offers_every_template_with_its_summary(team):
    page = text_of(team.colleague.get("/admin/forms/"))

    for starter in STARTER_FORMS.values():
        assert starter.name in page
        assert starter.summary in page
        assert f"Add this form : {starter.name}" in page


def test_the_admin_navigation_links_to_the_forms(team):
    assert b'href="/admin/forms/">Forms</a>' in team.colleague.get("/admin/").data


@pytest.mark.parametrize("template", sorted(STARTER_FORMS))
def test_a_template_is_added_with_one_click(app, team, template):
    response = team.colleague.post("/admin/forms/new", data={"template": template})

    assert response.status_code == 303
    with app.app_context():
        created = db.session.scalar(select(IntakeForm))
        assert (created.practitioner_id, created.template) == (team.colleague_id, template)
        assert created.latest.definition == STARTER_FORMS[template].definition
        assert response.headers["Location"].endswith(f"/admin/forms/{created.id}")
    editor = team.colleague.get(response.headers["Location"])
    assert editor.status_code == 200
    assert STARTER_FORMS[template].definition.title in text_of(editor)


def test_an_unknown_template_is_refused_clearly(app, team):
    response = team.colleague.post("/admin/forms/new", data={"template": "nonsense"})

    assert response.status_code == 422
    assert "There is no such template." in text_of(response)


def test_a_blank_form_is_added_with_its_title(app, team):
    response = team.colleague.post("/admin/forms/new", data={"template": "", "title": "Before your first session"})

    assert response.status_code == 303
    with app.app_context():
        created = db.session.scalar(select(IntakeForm))
        assert (created.title, created.template, created.latest.definition.sections) == ("Before your first session", "", ())


def test_a_blank_form_without_a_title_is_shown_again_with_a_linked_error(app, team):
    response = team.colleague.post("/admin/forms/new", data={"title": "  "})

    assert response.status_code == 422
    assert '<a href="#title">Please give the new form a title.</a>' in response.data.decode()
    assert 'aria-invalid="true"' in response.data.decode()
    with app.app_context():
        assert db.session.scalar(select(IntakeForm)) is None


def test_the_owner_lists_the_practices_forms_and_a_colleague_only_their_own(app, team):
    form_of(app, team.colleague_id, title="Colleague's form")
    form_of(app, team.owner_id, title="Owner's form")

    as_owner = text_of(team.owner.get("/admin/forms/"))
    as_colleague = text_of(team.colleague.get("/admin/forms/"))

    assert "Colleague's form" in as_owner and "Imogen Reyes's form" in as_owner and "Owner's form" in as_owner
    assert "Colleague's form" in as_colleague and "Owner's form" not in as_colleague
    assert "Colleague's form" not in text_of(team.stranger.get("/admin/forms/"))


# --- the editor ----------------------------------------------------------------------------


def test_the_editor_shows_questions_with_their_rules(app, team):
    form_id = form_of(app, team.colleague_id, template="massage")

    page = text_of(team.colleague.get(f"/admin/forms/{form_id}"))

    assert "Version 1 — clients who began earlier keep the version they answered." in page
    assert "Are you bleeding at the moment?" in page
    assert "Single choice · Optional · “Prefer not to say” offered" in page
    assert "Flags the booking: Check before session (Heavy bleeding now) — when the answer is “Heavy bleeding”." in page
    assert "Shown only when “Have you had a medical procedure or surgery since your loss?” is “Yes”." in page
    assert "Information text" in page
    assert "Statement version 1." in page
    assert "Delete question : Are you bleeding at the moment?" in page


def test_the_editor_shows_a_screeners_score_and_citation(app, team):
    form_id = form_of(app, team.colleague_id, template="epds")
    scoring = STARTER_FORMS["epds"].definition.scoring

    page = text_of(team.colleague.get(f"/admin/forms/{form_id}"))

    assert f"Score: {scoring.name}" in page
    assert scoring.citation in page
    assert f"{scoring.bands[0].low}–{scoring.bands[0].high}: {scoring.bands[0].label}" in page
    assert f"Counts towards the {scoring.name} score." in page
    assert "Needs attention" in page and "crisis resources" in page


def test_title_and_introduction_are_saved(app, team, blank):
    response = team.colleague.post(f"/admin/forms/{blank}", data={"form-title": "Your first visit", "form-intro": "Take your time."})

    assert response.status_code == 303
    saved = definition(app, blank)
    assert (saved.title, saved.intro) == ("Your first visit", "Take your time.")
    with app.app_context():
        assert db.session.get(IntakeForm, blank).title == "Your first visit"


def test_an_empty_title_is_shown_again_with_a_linked_error(app, team, blank):
    response = team.colleague.post(f"/admin/forms/{blank}", data={"form-title": "", "form-intro": ""})

    assert response.status_code == 422
    assert '<a href="#form-title">Please give the form a title.</a>' in response.data.decode()
    assert definition(app, blank).title == "Before your session"


# --- sections ------------------------------------------------------------------------------


def test_a_section_is_added_at_the_end(app, team, blank):
    response = team.colleague.post(f"/admin/forms/{blank}/sections", data={"new-section-title": "Your hopes", "new-section-intro": "Gently."})

    assert response.status_code == 303
    assert [(s.key, s.title, s.intro) for s in definition(app, blank).sections] == [
        ("section_1", "About you", ""), ("section_2", "Your hopes", "Gently."),
    ]


def test_a_section_without_a_title_is_refused(app, team, blank):
    response = team.colleague.post(f"/admin/forms/{blank}/sections", data={"new-section-title": ""})

    assert response.status_code == 422
    assert '<a href="#new-section-title">Please give the section a title.</a>' in response.data.decode()


def test_a_section_is_edited(app, team, blank):
    page = team.colleague.get(f"/admin/forms/{blank}/sections/section_1")
    assert page.status_code == 200 and 'value="About you"' in page.data.decode()

    response = team.colleague.post(f"/admin/forms/{blank}/sections/section_1", data={"title": "About you and yours", "intro": "Skip anything."})

    assert response.status_code == 303
    assert (definition(app, blank).sections[0].title, definition(app, blank).sections[0].intro) == ("About you and yours", "Skip anything.")


def test_sections_move_up_and_down(app, team, blank):
    team.colleague.post(f"/admin/forms/{blank}/sections", data={"new-section-title": "Second"})

    assert team.colleague.post(f"/admin/forms/{blank}/sections/section_2/move", data={"direction": "up"}).status_code == 303
    assert [s.key for s in definition(app, blank).sections] == ["section_2", "section_1"]
    team.colleague.post(f"/admin/forms/{blank}/sections/section_2/move", data={"direction": "down"})
    assert [s.key for s in definition(app, blank).sections] == ["section_1", "section_2"]


def test_a_move_in_no_known_direction_is_a_bad_request(team, blank):
    assert team.colleague.post(f"/admin/forms/{blank}/sections/section_1/move", data={"direction": "sideways"}).status_code == 400


def test_a_section_is_deleted_with_its_questions(app, team, blank):
    add_question(team.colleague, blank, "section_1", QuestionType.short_text, "Your name")

    response = team.colleague.post(f"/admin/forms/{blank}/sections/section_1/delete")

    assert response.status_code == 303
    assert definition(app, blank).sections == ()


def test_a_section_another_depends_on_stays_with_a_clear_message(app, team, blank):
    add_question(team.colleague, blank, "section_1", QuestionType.yes_no, "Is someone coming with you?")
    team.colleague.post(f"/admin/forms/{blank}/sections", data={"new-section-title": "Your support"})
    add_question(team.colleague, blank, "section_2", QuestionType.short_text, "Tell us more", condition="yes_no_1:yes")

    response = team.colleague.post(f"/admin/forms/{blank}/sections/section_1/delete")

    assert response.status_code == 422
    assert "“Tell us more” is shown only after a question of this section: change that first." in text_of(response)
    assert [s.key for s in definition(app, blank).sections] == ["section_1", "section_2"]


# --- questions of every type ----------------------------------------------------------------


@pytest.mark.parametrize("question_type", list(QuestionType))
def test_a_question_of_every_type_is_added(app, team, blank, question_type):
    form_page = team.colleague.get(f"/admin/forms/{blank}/sections/section_1/questions/new?type={question_type.value}")
    assert form_page.status_code == 200

    response = add_question(team.colleague, blank, "section_1", question_type, "Something to ask", **POSTED_FOR_TYPE[question_type])

    assert response.status_code == 303, text_of(response)
    added = definition(app, blank).sections[0].questions[-1]
    assert (added.key, added.type, added.label) == (f"{question_type.value}_1", question_type, "Something to ask")


def test_added_questions_keep_what_their_type_uses(app, team, blank):
    for question_type in QuestionType:
        add_question(team.colleague, blank, "section_1", question_type, f"A {question_type.value}", **POSTED_FOR_TYPE[question_type])

    saved = definition(app, blank)
    single = saved.question("single_choice_1")
    assert single.choices == (Choice("morning", "Morning"), Choice("afternoon", "Afternoon"), Choice("evening", "Evening"))
    assert single.required and not single.allow_decline
    assert saved.question("multiple_choice_1").allow_decline
    scale = saved.question("scale_1")
    assert (scale.scale_max, scale.min_label, scale.max_label) == (5, "Not at all", "Very much")
    consent = saved.question("consent_1")
    assert (consent.statement, consent.statement_version, consent.required) == ("I agree to the massage as explained.", 1, True)
    assert saved.question("short_text_1").help == "As on your records."
    assert not saved.question("information_1").asks


@pytest.mark.parametrize(
    "question_type, posted, message",
    [
        (QuestionType.single_choice, {"choices": "Only one"}, "Please give at least two answers, one a line."),
        (QuestionType.single_choice, {"choices": ""}, "Please give the answers, one a line."),
        (QuestionType.scale, {"scale_max": "11"}, "A scale runs from 0 to a number from 1 to 10."),
        (QuestionType.consent, {"statement": ""}, "Please write the statement the client agrees to."),
    ],
)
def test_an_unusable_question_is_shown_again_with_its_message(app, team, blank, question_type, posted, message):
    response = add_question(team.colleague, blank, "section_1", question_type, "Wording", **posted)

    assert response.status_code == 422
    page = response.data.decode()
    assert message in html_text.unescape(page)
    assert 'role="alert"' in page and 'href="#' in page
    assert definition(app, blank).sections[0].questions == ()


def test_a_question_without_wording_is_refused(team, blank):
    response = add_question(team.colleague, blank, "section_1", QuestionType.short_text, "")

    assert response.status_code == 422
    assert '<a href="#label">Please write the question.</a>' in response.data.decode()


def test_a_question_is_edited(app, team, blank):
    add_question(team.colleague, blank, "section_1", QuestionType.short_text, "Your name")
    page = team.colleague.get(f"/admin/forms/{blank}/questions/short_text_1")
    assert page.status_code == 200 and "Your name" in page.data.decode()

    response = team.colleague.post(
        f"/admin/forms/{blank}/questions/short_text_1",
        data={"label": "The name you like to be called", "help": "Any name.", "required": "y", "allow_decline": "y", "condition": ""},
    )

    assert response.status_code == 303
    edited = definition(app, blank).question("short_text_1")
    assert (edited.label, edited.help, edited.required, edited.allow_decline) == ("The name you like to be called", "Any name.", True, True)


def posted_as_shown(question) -> dict:
    """What the question editor posts back when the practitioner changes nothing."""
    shown = question_data(question)
    uses = ("label", "condition") + FIELDS_OF_TYPE[question.type]
    return {
        name: ("y" if value is True else str(value))
        for name, value in shown.items()
        if name in uses and value is not False
    }


@pytest.mark.parametrize("template", sorted(STARTER_FORMS))
def test_saving_every_question_unchanged_changes_nothing(app, team, template):
    form_id = form_of(app, team.colleague_id, template=template)
    starter = STARTER_FORMS[template].definition

    for question in starter.questions():
        assert team.colleague.get(f"/admin/forms/{form_id}/questions/{question.key}").status_code == 200
        response = team.colleague.post(f"/admin/forms/{form_id}/questions/{question.key}", data=posted_as_shown(question))
        assert response.status_code == 303, (question.key, text_of(response))

    assert definition(app, form_id) == starter


def test_questions_move_up_and_down(app, team, blank):
    for label in ("First", "Second"):
        add_question(team.colleague, blank, "section_1", QuestionType.short_text, label)

    team.colleague.post(f"/admin/forms/{blank}/questions/short_text_2/move", data={"direction": "up"})
    assert [q.key for q in definition(app, blank).sections[0].questions] == ["short_text_2", "short_text_1"]
    team.colleague.post(f"/admin/forms/{blank}/questions/short_text_2/move", data={"direction": "down"})
    assert [q.key for q in definition(app, blank).sections[0].questions] == ["short_text_1", "short_text_2"]


def test_a_question_is_deleted(app, team, blank):
    add_question(team.colleague, blank, "section_1", QuestionType.short_text, "Your name")

    response = team.colleague.post(f"/admin/forms/{blank}/questions/short_text_1/delete")

    assert response.status_code == 303
    assert definition(app, blank).sections[0].questions == ()


# --- conditions ---------------------------------------------------------------------------------


def test_a_question_is_shown_only_when_an_earlier_one_was_answered_so(app, team, blank):
    add_question(team.colleague, blank, "section_1", QuestionType.yes_no, "Has there been a procedure?")
    offered = team.colleague.get(f"/admin/forms/{blank}/sections/section_1/questions/new?type=date").data.decode()
    assert '<option value="yes_no_1:yes">Only when: Has there been a procedure? — Yes</option>' in offered

    add_question(team.colleague, blank, "section_1", QuestionType.date, "When?", condition="yes_no_1:yes")

    assert definition(app, blank).question("date_1").condition == Condition("yes_no_1", "yes")
    assert "Shown only when “Has there been a procedure?” is “Yes”." in text_of(team.colleague.get(f"/admin/forms/{blank}"))


def test_a_condition_on_a_later_question_is_not_offered(app, team, blank):
    add_question(team.colleague, blank, "section_1", QuestionType.short_text, "First")
    add_question(team.colleague, blank, "section_1", QuestionType.yes_no, "Later")

    response = team.colleague.post(
        f"/admin/forms/{blank}/questions/short_text_1", data={"label": "First", "condition": "yes_no_1:yes"}
    )

    assert response.status_code == 422
    assert "Please choose one of the answers listed, or “Always”." in text_of(response)
    assert definition(app, blank).question("short_text_1").condition is None


def test_moving_a_question_above_the_one_it_depends_on_is_refused(app, team, blank):
    add_question(team.colleague, blank, "section_1", QuestionType.yes_no, "Procedure?")
    add_question(team.colleague, blank, "section_1", QuestionType.date, "When?", condition="yes_no_1:yes")

    response = team.colleague.post(f"/admin/forms/{blank}/questions/date_1/move", data={"direction": "up"})

    assert response.status_code == 422
    assert "“When?” can only depend on a question asked before it." in text_of(response)
    assert [q.key for q in definition(app, blank).sections[0].questions] == ["yes_no_1", "date_1"]


def test_deleting_a_question_another_depends_on_is_refused(app, team, blank):
    add_question(team.colleague, blank, "section_1", QuestionType.yes_no, "Procedure?")
    add_question(team.colleague, blank, "section_1", QuestionType.date, "When?", condition="yes_no_1:yes")

    response = team.colleague.post(f"/admin/forms/{blank}/questions/yes_no_1/delete")

    assert response.status_code == 422
    assert "“When?” is shown only after this question: change that first." in text_of(response)
    assert definition(app, blank).question("yes_no_1") is not None


def test_removing_the_answer_a_condition_names_is_refused(app, team, blank):
    add_question(team.colleague, blank, "section_1", QuestionType.single_choice, "Pressure?", choices="Light\nFirm")
    add_question(team.colleague, blank, "section_1", QuestionType.short_text, "Why firm?", condition="single_choice_1:firm")

    response = team.colleague.post(
        f"/admin/forms/{blank}/questions/single_choice_1", data={"label": "Pressure?", "choices": "Medium\nLight", "condition": ""}
    )

    assert response.status_code == 422
    assert "“Why firm?” depends on an answer “Pressure?” does not offer." in text_of(response)


# --- choices, consents, screeners ---------------------------------------------------------------


def test_rewording_a_flagged_answer_keeps_its_value_and_flag(app, team):
    form_id = form_of(app, team.colleague_id, template="massage")
    bleeding = definition(app, form_id).question("bleeding_now")

    response = team.colleague.post(
        f"/admin/forms/{form_id}/questions/bleeding_now",
        data={
            "label": bleeding.label,
            "allow_decline": "y",
            "choices": "No bleeding\nLight spotting\nHeavy bleeding (more than a period)\nI'm not sure",
            "condition": "",
        },
    )

    assert response.status_code == 303
    edited = definition(app, form_id).question("bleeding_now")
    assert [(c.value, c.label) for c in edited.choices] == [
        ("none", "No bleeding"), ("spotting", "Light spotting"),
        ("heavy", "Heavy bleeding (more than a period)"), ("i_m_not_sure", "I'm not sure"),
    ]
    assert edited.flag == bleeding.flag


def test_changing_a_consent_statement_makes_its_next_statement_version(app, team, blank):
    add_question(team.colleague, blank, "section_1", QuestionType.consent, "Consent to touch", statement="I agree.")
    unchanged = {"label": "Consent to touch", "statement": "I agree.", "condition": ""}

    team.colleague.post(f"/admin/forms/{blank}/questions/consent_1", data={**unchanged, "help": "Say so any time."})
    assert definition(app, blank).question("consent_1").statement_version == 1
    team.colleague.post(f"/admin/forms/{blank}/questions/consent_1", data={**unchanged, "statement": "I agree to gentle touch."})

    assert definition(app, blank).question("consent_1").statement_version == 2
    assert "Statement version 2." in text_of(team.colleague.get(f"/admin/forms/{blank}"))


def test_a_screeners_answers_are_reworded_keeping_their_scores(app, team):
    form_id = form_of(app, team.colleague_id, template="phq9")
    item = next(q for q in definition(app, form_id).questions() if q.choices)
    lines = [choice.label for choice in item.choices]
    lines[0] = lines[0] + " (not even once)"

    response = team.colleague.post(
        f"/admin/forms/{form_id}/questions/{item.key}",
        data={"label": item.label, "allow_decline": "y", "choices": "\n".join(lines), "condition": ""},
    )

    assert response.status_code == 303
    edited = definition(app, form_id).question(item.key)
    assert [(c.value, c.score) for c in edited.choices] == [(c.value, c.score) for c in item.choices]
    assert edited.choices[0].label.endswith("(not even once)")


def test_adding_an_answer_to_a_screener_item_is_refused_on_the_field(app, team):
    form_id = form_of(app, team.colleague_id, template="gad7")
    item = next(q for q in definition(app, form_id).questions() if q.choices)

    response = team.colleague.post(
        f"/admin/forms/{form_id}/questions/{item.key}",
        data={"label": item.label, "choices": "\n".join([c.label for c in item.choices] + ["Always"]), "condition": ""},
    )

    assert response.status_code == 422
    page = response.data.decode()
    assert 'href="#choices"' in page and 'id="choices-error"' in page
    assert "GAD-7" in text_of(response)
    assert definition(app, form_id).question(item.key) == item


# --- versions -----------------------------------------------------------------------------------


def test_editing_a_form_a_client_began_makes_version_two_and_the_response_keeps_version_one(app, team):
    form_id = form_of(app, team.colleague_id, template="massage")
    with app.app_context():
        service.set_services_asking(db.session.get(IntakeForm, form_id), [team.service_id])
        booking = make_booking(db.session.get(Service, team.service_id), SESSION)
        assert service.save_page(booking, form_id, 0, {}, now=NOW).errors == {}
    editor = text_of(team.colleague.get(f"/admin/forms/{form_id}"))
    assert "Clients have begun this version, so your next change makes version 2." in editor

    team.colleague.post(f"/admin/forms/{form_id}", data={"form-title": "Before your massage", "form-intro": ""})

    assert version_numbers(app, form_id) == [1, 2]
    with app.app_context():
        response = db.session.scalar(select(IntakeResponse).where(IntakeResponse.form_id == form_id))
        assert response.version.number == 1
        assert response.version.definition.title == STARTER_FORMS["massage"].definition.title
    assert "Version 2 — clients who began earlier keep the version they answered." in text_of(team.colleague.get(f"/admin/forms/{form_id}"))


# --- services, archive, preview -----------------------------------------------------------------


def test_services_asking_are_ticked_and_saved(app, team, blank):
    with app.app_context():
        other = make_service(db.session.get(Practitioner, team.owner_id), name="Owner's service").id

    response = team.colleague.post(f"/admin/forms/{blank}/services", data={"service": [str(team.service_id), str(other)]})

    assert response.status_code == 303
    with app.app_context():
        assert service.services_asking(blank) == [team.service_id]
    page = team.colleague.get(f"/admin/forms/{blank}").data.decode()
    assert f'name="service" value="{team.service_id}" id="service-{team.service_id}" checked' in page

    team.colleague.post(f"/admin/forms/{blank}/services", data={})
    with app.app_context():
        assert service.services_asking(blank) == []


def test_an_archived_form_leaves_its_services_and_the_list(app, team, blank):
    team.colleague.post(f"/admin/forms/{blank}/services", data={"service": str(team.service_id)})

    response = team.colleague.post(f"/admin/forms/{blank}/archive")

    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(IntakeForm, blank).archived_at is not None
        assert service.services_asking(blank) == []
    listed = team.colleague.get("/admin/forms/").data.decode()
    assert "Archived forms (1)" in listed
    assert f'href="/admin/forms/{blank}">Before your session</a>' not in listed
    assert team.colleague.post(f"/admin/forms/{blank}/services", data={"service": str(team.service_id)}).status_code == 409


def test_the_preview_shows_every_section_and_cannot_be_sent(app, team):
    form_id = form_of(app, team.colleague_id, template="grief")
    grief = STARTER_FORMS["grief"].definition

    response = team.colleague.get(f"/admin/forms/{form_id}/preview")

    assert response.status_code == 200
    content = main_of(response)
    assert "<form" not in content and 'type="submit"' not in content
    page = html_text.unescape(content)
    for number, section in enumerate(grief.sections, start=1):
        assert f"Step {number} of {len(grief.sections)}" in page
        assert section.title in page
    assert all(question.label in page for question in grief.questions())
    inputs = re.findall(r"<(?:input|textarea)\b[^>]*>", content)
    assert inputs and all("disabled" in tag for tag in inputs)


# --- who may use the builder ---------------------------------------------------------------------


def form_routes(form_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", f"/admin/forms/{form_id}"),
        ("POST", f"/admin/forms/{form_id}"),
        ("GET", f"/admin/forms/{form_id}/preview"),
        ("POST", f"/admin/forms/{form_id}/services"),
        ("POST", f"/admin/forms/{form_id}/archive"),
        ("POST", f"/admin/forms/{form_id}/sections"),
        ("GET", f"/admin/forms/{form_id}/sections/section_1"),
        ("POST", f"/admin/forms/{form_id}/sections/section_1"),
        ("POST", f"/admin/forms/{form_id}/sections/section_1/move"),
        ("POST", f"/admin/forms/{form_id}/sections/section_1/delete"),
        ("GET", f"/admin/forms/{form_id}/sections/section_1/questions/new?type=short_text"),
        ("POST", f"/admin/forms/{form_id}/sections/section_1/questions/new?type=short_text"),
        ("GET", f"/admin/forms/{form_id}/questions/short_text_1"),
        ("POST", f"/admin/forms/{form_id}/questions/short_text_1"),
        ("POST", f"/admin/forms/{form_id}/questions/short_text_1/move"),
        ("POST", f"/admin/forms/{form_id}/questions/short_text_1/delete"),
    ]


@pytest.mark.parametrize("who", ["owner", "stranger"])
def test_another_practitioner_gets_404_on_every_route_of_a_form(app, team, blank, who):
    """A colleague (not the owner) gets 404 on the owner's form; another practice on the colleague's."""
    add_question(team.colleague, blank, "section_1", QuestionType.short_text, "Your name")
    owners_form = form_of(app, team.owner_id, title="Owner's own")
    team.owner.post(f"/admin/forms/{owners_form}/sections", data={"new-section-title": "Owner's section"})
    add_question(team.owner, owners_form, "section_1", QuestionType.short_text, "Owner's question")
    client, form_id = (team.colleague, owners_form) if who == "owner" else (team.stranger, blank)

    for method, path in form_routes(form_id):
        response = client.open(path, method=method, data={"direction": "up", "form-title": "x", "label": "x", "title": "x"})
        assert response.status_code == 404, (method, path)
    assert definition(app, form_id).title == ("Owner's own" if who == "owner" else "Before your session")
    assert [q.key for q in definition(app, form_id).questions()] == ["short_text_1"]
    assert version_numbers(app, form_id) == [1]


def test_the_owner_edits_a_colleagues_form(app, team, blank):
    assert team.owner.get(f"/admin/forms/{blank}").status_code == 200

    response = add_question(team.owner, blank, "section_1", QuestionType.short_text, "Asked by the owner")

    assert response.status_code == 303
    assert definition(app, blank).question("short_text_1").label == "Asked by the owner"


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/admin/forms/{id}/sections/nothing_here"),
        ("POST", "/admin/forms/{id}/sections/nothing_here/move"),
        ("GET", "/admin/forms/{id}/sections/nothing_here/questions/new?type=short_text"),
        ("GET", "/admin/forms/{id}/questions/nothing_here"),
        ("POST", "/admin/forms/{id}/questions/nothing_here/delete"),
        ("GET", "/admin/forms/99999999"),
        ("GET", "/admin/forms/0/preview"),
    ],
)
def test_unknown_sections_and_questions_are_not_found(team, blank, method, path):
    assert team.colleague.open(path.format(id=blank), method=method, data={"direction": "up"}).status_code == 404


@pytest.mark.parametrize("query", ["?type=essay", ""])
def test_a_new_question_of_no_known_type_is_a_bad_request(team, blank, query):
    assert team.colleague.get(f"/admin/forms/{blank}/sections/section_1/questions/new{query}").status_code == 400


def test_changes_need_a_post(team, blank):
    assert team.colleague.get(f"/admin/forms/{blank}/archive").status_code == 405
    assert team.colleague.get(f"/admin/forms/{blank}/sections/section_1/delete").status_code == 405


def test_a_visitor_is_sent_to_log_in(app, blank):
    response = app.test_client().get(f"/admin/forms/{blank}")

    assert response.status_code in (302, 401)


def test_changes_without_the_csrf_token_are_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        practitioner = make_practitioner()
        form_id = service.create_form(practitioner, title="Guarded", now=NOW).id
        client = logged_in(app, practitioner)

    assert client.post("/admin/forms/new", data={"template": "grief"}).status_code == 400
    assert client.post(f"/admin/forms/{form_id}/archive").status_code == 400
    page = client.get(f"/admin/forms/{form_id}").data.decode()
    posting = re.findall(r'<form method="post".*?</form>', page, re.S)
    assert len(posting) >= 4
    assert all(re.search(r'name="[a-z-]*csrf_token" type="hidden" value="\S+"|name="csrf_token" value="\S+"', form) for form in posting)
