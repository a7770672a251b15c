"""Building forms: templates and blank forms, versions kept for clients who began, services asking, archiving."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from practice.accounts.models import Practice
from practice.extensions import db
from practice.intake import service
from practice.intake.definitions import DefinitionError, Question, QuestionType, Section, with_question, with_section
from practice.intake.models import IntakeForm, IntakeFormVersion, IntakeResponse, ServiceIntakeForm
from practice.intake.starter_forms import STARTER_FORMS
from practice.security.audit import Actor
from practice.security.authz import visible_to
from tests.factories import make_booking, make_practitioner, make_service

NOW = datetime.now(timezone.utc).replace(microsecond=0)
SESSION = (NOW + timedelta(days=3)).replace(hour=10, minute=0, second=0)
NOTE = Question("gp", QuestionType.short_text, "Your GP's name")


def retitled(title: str):
    return lambda definition: replace(definition, title=title)


def version_count(form_id: int) -> int:
    return db.session.scalar(select(func.count(IntakeFormVersion.id)).where(IntakeFormVersion.form_id == form_id))


def begun_by_a_client(practitioner, form):
    """A booking whose service asks for `form`, and the client's first page sent with nothing answered; the response."""
    offered = make_service(practitioner, name="Recovery massage")
    service.set_services_asking(form, [offered.id])
    booking = make_booking(offered, SESSION)
    saved = service.save_page(booking, form.id, 0, {}, now=NOW)
    assert saved.errors == {}
    return db.session.scalar(select(IntakeResponse).where(IntakeResponse.booking_id == booking.id))


@pytest.mark.parametrize("template", sorted(STARTER_FORMS))
def test_a_template_becomes_the_practitioners_own_form(any_app, template):
    with any_app.app_context():
        owner = make_practitioner()
        form = service.create_form(owner, template=template, now=NOW)

        stored = db.session.get(IntakeForm, form.id)
        assert (stored.practitioner_id, stored.practice_id, stored.template) == (owner.id, owner.practice_id, template)
        assert stored.latest.number == 1
        assert stored.latest.definition == STARTER_FORMS[template].definition
        assert stored.title == STARTER_FORMS[template].definition.title


def test_a_blank_form_has_its_title_and_nothing_else(any_app):
    with any_app.app_context():
        form = service.create_form(make_practitioner(), title="  Before your first session ", now=NOW)

        definition = db.session.get(IntakeForm, form.id).latest.definition
        assert (definition.title, definition.sections) == ("Before your first session", ())


@pytest.mark.parametrize("given", [{"title": "   "}, {"template": "no_such_template"}])
def test_a_form_needs_a_title_or_a_known_template(any_app, given):
    with any_app.app_context():
        with pytest.raises(DefinitionError):
            service.create_form(make_practitioner(), now=NOW, **given)
        assert db.session.scalar(select(func.count(IntakeForm.id))) == 0


def test_a_form_nobody_began_is_changed_in_place(any_app):
    with any_app.app_context():
        form = service.create_form(make_practitioner(), template="massage", now=NOW)

        service.change_form(form, retitled("Before your massage"), now=NOW)

        stored = db.session.get(IntakeForm, form.id)
        assert version_count(form.id) == 1
        assert stored.title == stored.latest.definition.title == "Before your massage"


def test_changing_a_form_a_client_began_makes_version_two_and_the_response_keeps_version_one(any_app):
    with any_app.app_context():
        practitioner = make_practitioner()
        form = service.create_form(practitioner, template="massage", now=NOW)
        response = begun_by_a_client(practitioner, form)
        first = db.session.get(IntakeForm, form.id).latest
        assert service.is_answered(first)

        service.change_form(form, lambda d: with_question(d, d.sections[0].key, NOTE), now=NOW)

        stored = db.session.get(IntakeForm, form.id)
        assert [version.number for version in stored.versions] == [1, 2]
        assert stored.latest.definition.question("gp") == NOTE
        response = db.session.get(IntakeResponse, response.id)
        assert response.version.number == 1
        assert response.version.definition == STARTER_FORMS["massage"].definition
        assert not service.is_answered(stored.latest)


def test_further_changes_before_anyone_answers_stay_in_the_new_version(any_app):
    with any_app.app_context():
        practitioner = make_practitioner()
        form = service.create_form(practitioner, template="massage", now=NOW)
        begun_by_a_client(practitioner, form)

        service.change_form(form, retitled("First change"), now=NOW)
        service.change_form(form, retitled("Second change"), now=NOW)

        assert version_count(form.id) == 2
        assert db.session.get(IntakeForm, form.id).latest.definition.title == "Second change"


def test_a_change_that_changes_nothing_makes_no_version(any_app):
    with any_app.app_context():
        practitioner = make_practitioner()
        form = service.create_form(practitioner, template="grief", now=NOW)
        begun_by_a_client(practitioner, form)

        service.change_form(form, lambda definition: definition, now=NOW)

        assert version_count(form.id) == 1


def test_a_refused_change_keeps_the_form_and_leaves_the_session_usable(any_app):
    with any_app.app_context():
        form = service.create_form(make_practitioner(), title="Notes", now=NOW)
        broken = Section("about", "About you", questions=(Question("Bad Key", QuestionType.short_text, "Name"),))

        with pytest.raises(DefinitionError, match="not a usable key"):
            service.change_form(form, lambda d: with_section(d, broken), now=NOW)

        assert db.session.get(IntakeForm, form.id).latest.definition.sections == ()
        service.change_form(form, retitled("Still editable"), now=NOW)
        assert db.session.get(IntakeForm, form.id).title == "Still editable"


def test_services_asking_are_exactly_those_chosen_of_the_forms_practitioner(any_app):
    with any_app.app_context():
        practitioner = make_practitioner()
        colleague = make_practitioner(db.session.get(Practice, practitioner.practice_id))
        massage, grief = make_service(practitioner, name="Massage"), make_service(practitioner, name="Grief")
        theirs = make_service(colleague, name="Colleague's")
        form = service.create_form(practitioner, template="massage", now=NOW)

        service.set_services_asking(form, [massage.id, grief.id, theirs.id])
        assert sorted(service.services_asking(form.id)) == sorted([massage.id, grief.id])

        service.set_services_asking(form, [grief.id])
        assert service.services_asking(form.id) == [grief.id]
        assert [f.id for f in service.forms_for_service(grief.id)] == [form.id]
        assert service.forms_for_service(massage.id) == []


def test_a_second_form_on_a_service_is_asked_after_the_first(any_app):
    with any_app.app_context():
        practitioner = make_practitioner()
        offered = make_service(practitioner)
        first = service.create_form(practitioner, template="massage", now=NOW)
        second = service.create_form(practitioner, template="epds", now=NOW)

        service.set_services_asking(second, [offered.id])
        service.set_services_asking(first, [offered.id])

        assert [f.id for f in service.forms_for_service(offered.id)] == [second.id, first.id]


def test_an_archived_form_leaves_every_service(any_app):
    with any_app.app_context():
        practitioner = make_practitioner()
        offered = make_service(practitioner)
        form = service.create_form(practitioner, template="gad7", now=NOW)
        service.set_services_asking(form, [offered.id])

        service.archive_form(form, now=NOW)

        assert db.session.get(IntakeForm, form.id).archived_at == NOW
        assert service.forms_for_service(offered.id) == []
        assert db.session.scalar(select(func.count()).select_from(ServiceIntakeForm)) == 0


def test_the_owner_lists_the_practices_forms_and_a_practitioner_their_own(any_app):
    with any_app.app_context():
        owner = make_practitioner()
        colleague = make_practitioner(db.session.get(Practice, owner.practice_id))
        elsewhere = make_practitioner()
        own = service.create_form(owner, title="Owner's", now=NOW)
        theirs = service.create_form(colleague, title="Colleague's", now=NOW)
        archived = service.create_form(colleague, title="Old", now=NOW)
        service.create_form(elsewhere, title="Another practice's", now=NOW)
        service.archive_form(archived, now=NOW)

        as_owner = service.current_and_archived_forms(visible_to(Actor(owner.id, owner.practice_id, True), IntakeForm))
        as_colleague = service.current_and_archived_forms(
            visible_to(Actor(colleague.id, colleague.practice_id, False), IntakeForm)
        )

        assert [[f.id for f in forms] for forms in as_owner] == [[theirs.id, own.id], [archived.id]]
        assert [[f.id for f in forms] for forms in as_colleague] == [[theirs.id], [archived.id]]
