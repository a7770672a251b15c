"""Intake operations: building forms, asking for them on services, saving a client's answers page by
page, and showing them to the one practitioner who holds the booking."""
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select

from practice.accounts.models import Practitioner
from practice.booking.models import Booking
from practice.booking.states import BookingStatus
from practice.catalog.models import Service
from practice.extensions import begin_write_transaction, db
from practice.intake import answers as page_answers
from practice.intake import care, definitions, links, scoring
from practice.intake.definitions import DECLINED, Attention, DefinitionError, FormDefinition, Question, Section
from practice.intake.models import (
    IntakeForm,
    IntakeFormVersion,
    IntakeResponse,
    ResponseStatus,
    ServiceIntakeForm,
)
from practice.intake.signals import intake_needs_attention
from practice.intake.starter_forms import STARTER_FORMS
from practice.security import audit
from practice.security.audit import Actor
from practice.security.models import AuditAction


class IntakeClosed(Exception):
    """The booking's forms can no longer be filled: it is cancelled or its session has begun."""


# --- building forms -----------------------------------------------------------------------


def create_form(practitioner: Practitioner, *, template: str = "", title: str = "", now: datetime) -> IntakeForm:
    """A new form for the practitioner: a copy of a starter template, or a blank one titled `title`."""
    if template:
        if template not in STARTER_FORMS:
            raise DefinitionError("There is no such template.")
        definition = STARTER_FORMS[template].definition
    else:
        definition = FormDefinition(title=title.strip()[:200])
    definitions.check(definition)
    begin_write_transaction()
    form = IntakeForm(
        practice_id=practitioner.practice_id,
        practitioner_id=practitioner.id,
        title=definition.title,
        template=template,
        created_at=now,
    )
    form.versions.append(IntakeFormVersion(number=1, definition_json=definitions.to_json(definition), created_at=now))
    db.session.add(form)
    db.session.commit()
    return form


def change_form(form: IntakeForm, change: Callable[[FormDefinition], FormDefinition], *, now: datetime) -> FormDefinition:
    """Apply `change` to the form's newest definition and keep the result.

    A version some client has begun answering is never rewritten: the change becomes the
    next version, and each response keeps the version it answered.
    """
    begin_write_transaction()
    form = db.session.get(IntakeForm, form.id)
    latest = form.latest
    try:
        changed = definitions.check(change(latest.definition))
    except DefinitionError:
        db.session.rollback()
        raise
    if changed == latest.definition:
        db.session.rollback()
        return changed
    if _has_responses(latest.id):
        form.versions.append(
            IntakeFormVersion(number=latest.number + 1, definition_json=definitions.to_json(changed), created_at=now)
        )
    else:
        latest.definition_json = definitions.to_json(changed)
    form.title = changed.title
    db.session.commit()
    return changed


def _has_responses(version_id: int) -> bool:
    return db.session.scalar(select(func.count(IntakeResponse.id)).where(IntakeResponse.form_version_id == version_id)) > 0


def is_answered(version: IntakeFormVersion) -> bool:
    """Whether some client has begun this version: the next change then makes a new one."""
    return _has_responses(version.id)


def archive_form(form: IntakeForm, *, now: datetime) -> None:
    """Stop asking for the form: it leaves every service; its responses stay readable."""
    begin_write_transaction()
    db.session.execute(delete(ServiceIntakeForm).where(ServiceIntakeForm.form_id == form.id))
    db.session.get(IntakeForm, form.id).archived_at = now
    db.session.commit()


def set_services_asking(form: IntakeForm, service_ids: Iterable[int]) -> None:
    """The form is asked for by exactly these services (those of the form's practitioner; others are ignored)."""
    begin_write_transaction()
    wanted = set(
        db.session.scalars(
            select(Service.id).where(Service.id.in_(list(service_ids)), Service.practitioner_id == form.practitioner_id)
        )
    )
    current = set(db.session.scalars(select(ServiceIntakeForm.service_id).where(ServiceIntakeForm.form_id == form.id)))
    db.session.execute(
        delete(ServiceIntakeForm).where(
            ServiceIntakeForm.form_id == form.id, ServiceIntakeForm.service_id.in_(current - wanted)
        )
    )
    added = sorted(wanted - current)
    # A form newly asked for comes after the service's others.
    asked_already = dict(
        db.session.execute(
            select(ServiceIntakeForm.service_id, func.count())
            .where(ServiceIntakeForm.service_id.in_(added))
            .group_by(ServiceIntakeForm.service_id)
        ).all()
    )
    for service_id in added:
        db.session.add(ServiceIntakeForm(service_id=service_id, form_id=form.id, position=asked_already.get(service_id, 0)))
    db.session.commit()


def services_asking(form_id: int) -> list[int]:
    return list(db.session.scalars(select(ServiceIntakeForm.service_id).where(ServiceIntakeForm.form_id == form_id)))


def current_and_archived_forms(visible) -> tuple[list[IntakeForm], list[IntakeForm]]:
    """The forms `visible` (a SQL filter) selects: those in use, then the archived ones, each by title."""
    forms = db.session.scalars(select(IntakeForm).where(visible).order_by(IntakeForm.title, IntakeForm.id)).all()
    return [f for f in forms if f.archived_at is None], [f for f in forms if f.archived_at is not None]


def forms_for_service(service_id: int) -> list[IntakeForm]:
    """The forms a service's clients fill, in the order they are asked."""
    return list(
        db.session.scalars(
            select(IntakeForm)
            .join(ServiceIntakeForm, ServiceIntakeForm.form_id == IntakeForm.id)
            .where(ServiceIntakeForm.service_id == service_id, IntakeForm.archived_at.is_(None))
            .order_by(ServiceIntakeForm.position, IntakeForm.id)
        )
    )


# --- the client's side --------------------------------------------------------------------


@dataclass(frozen=True)
class FormToFill:
    form: IntakeForm
    response: IntakeResponse | None

    @property
    def done(self) -> bool:
        return self.response is not None and self.response.is_submitted

    @property
    def started(self) -> bool:
        return self.response is not None and not self.response.is_submitted


def booking_for_intake_token(token: str) -> Booking | None:
    return _booking_by_public_id(links.public_id_from_token(token))


def booking_for_expired_intake_token(token: str) -> Booking | None:
    """The booking a genuine but expired intake link was for: enough to name the practice, never to open its forms."""
    return _booking_by_public_id(links.public_id_from_expired_token(token))


def _booking_by_public_id(public_id: str | None) -> Booking | None:
    if public_id is None:
        return None
    return db.session.scalar(select(Booking).where(Booking.public_id == public_id))


def intake_url(booking: Booking) -> str:
    return links.intake_url(booking.public_id)


def intake_token(booking: Booking) -> str:
    return links.intake_token(booking.public_id)


def is_open(booking: Booking, now: datetime) -> bool:
    """Forms are filled before the session, for a booking that still stands."""
    return booking.status in (BookingStatus.confirmed, BookingStatus.held) and now < booking.starts_at


def forms_to_fill(booking: Booking) -> list[FormToFill]:
    """The booking's forms: those its service asks for, and any the client has already begun."""
    responses = {
        response.form_id: response
        for response in db.session.scalars(select(IntakeResponse).where(IntakeResponse.booking_id == booking.id))
    }
    asked = forms_for_service(booking.service_id)
    asked_ids = {form.id for form in asked}
    begun_elsewhere = [response.form for form_id, response in responses.items() if form_id not in asked_ids]
    return [FormToFill(form, responses.get(form.id)) for form in asked + begun_elsewhere]


def form_for_booking(booking: Booking, form_id: int) -> FormToFill | None:
    return next((item for item in forms_to_fill(booking) if item.form.id == form_id), None)


def definition_for(item: FormToFill) -> FormDefinition:
    """What the client answers: the version their response began with, or the newest."""
    version = item.response.version if item.response is not None else item.form.latest
    return version.definition


def reached_step(item: FormToFill) -> int:
    """The furthest page the client may open: pages are answered in order, and any earlier one again."""
    return item.response.step if item.response is not None else 0


def answers_of(response: IntakeResponse | None) -> dict:
    if response is None or not response.answers_json:
        return {}
    return json.loads(response.answers_json)


@dataclass(frozen=True)
class PageSaved:
    """What saving a page led to."""

    #: Question key → message; nothing was saved when there are any.
    errors: dict[str, str]
    #: The step to show next, or None once the form is sent.
    next_step: int | None
    #: The practice's crisis resources must be shown on the next page.
    shows_crisis_resources: bool


def session_day(booking: Booking) -> date:
    return booking.starts_at.astimezone(ZoneInfo(booking.practice.timezone)).date()


def save_page(booking: Booking, form_id: int, step: int, posted: dict[str, list[str]], *, now: datetime) -> PageSaved:
    """Check and keep one page of answers; send the form after its last page.

    Every page is saved (sealed) as it is answered, so a closed tab loses nothing and the
    link resumes at the first page not yet answered. Answers and flags are recomputed from the
    whole form each time; a flag once raised stays, and the practitioner is emailed once.
    """
    begin_write_transaction()
    # Locked (PostgreSQL; SQLite's write transaction already is): a double-tapped first page must
    # not make two responses, nor a page saved twice at once interleave its answers.
    booking = db.session.scalar(select(Booking).where(Booking.id == booking.id).with_for_update())
    if not is_open(booking, now):
        db.session.rollback()
        raise IntakeClosed()
    item = form_for_booking(booking, form_id)
    if item is None or item.done:
        db.session.rollback()
        raise IntakeClosed()
    definition = definition_for(item)
    if not 0 <= step <= min(reached_step(item), len(definition.sections) - 1):
        db.session.rollback()
        raise IntakeClosed()
    section = definition.sections[step]
    before = answers_of(item.response)
    today = now.astimezone(ZoneInfo(booking.practice.timezone)).date()
    page = page_answers.read_page(section, posted, before, today=today)
    if page.errors:
        db.session.rollback()
        return PageSaved(page.errors, step, False)
    response = item.response or _new_response(booking, item.form, now)
    answers = page_answers.answers_after_page(definition, before, section, page.answers)
    crisis = _keep(response, definition, answers, session_day(booking), now)
    last = step == len(definition.sections) - 1
    response.step = min(max(response.step, step + 1), len(definition.sections) - 1)
    if last:
        response.status = ResponseStatus.submitted
        response.submitted_at = now
    db.session.commit()
    return PageSaved({}, None if last else step + 1, crisis)


def _new_response(booking: Booking, form: IntakeForm, now: datetime) -> IntakeResponse:
    response = IntakeResponse(
        practice_id=booking.practice_id,
        practitioner_id=booking.practitioner_id,
        booking_id=booking.id,
        client_id=booking.client_id,
        form_id=form.id,
        form_version_id=form.latest.id,
        started_at=now,
        updated_at=now,
    )
    db.session.add(response)
    db.session.flush()
    return response


def _keep(response: IntakeResponse, definition: FormDefinition, answers: dict, day: date, now: datetime) -> bool:
    """Seal the answers, the score and the flags; return whether the client must see crisis resources."""
    response.answers_json = json.dumps(answers, ensure_ascii=False)
    found = scoring.score(definition, answers)
    response.score_json = json.dumps(found.as_dict(), ensure_ascii=False) if found else ""
    flags = care.raised_flags(definition, answers, session_day=day)
    reasons = flag_reasons(response)
    reasons += [flag.reason for flag in flags if flag.reason not in reasons]
    response.flag_reasons_json = json.dumps(reasons, ensure_ascii=False) if reasons else ""
    response.attention_level = max(response.attention_level, care.attention_of(flags))
    response.updated_at = now
    if response.attention is Attention.needs_attention and response.attention_notified_at is None:
        response.attention_notified_at = now
        db.session.flush()
        intake_needs_attention.send(response, now=now)
    return any(flag.shows_crisis_resources for flag in flags)


def flag_reasons(response: IntakeResponse) -> list[str]:
    return json.loads(response.flag_reasons_json) if response.flag_reasons_json else []


def shows_crisis_resources(response: IntakeResponse | None, booking: Booking) -> bool:
    """Whether the client's answers so far call for the practice's crisis resources on every page."""
    if response is None:
        return False
    definition = response.version.definition
    return any(
        flag.shows_crisis_resources
        for flag in care.raised_flags(definition, answers_of(response), session_day=session_day(booking))
    )


# --- the practitioner's side ----------------------------------------------------------------


def attention_by_booking(booking_ids: Iterable[int], practitioner_id: int) -> dict[int, Attention]:
    """The highest flag of each of the practitioner's own bookings that has one (for the dashboard badges)."""
    rows = db.session.execute(
        select(IntakeResponse.booking_id, func.max(IntakeResponse.attention_level))
        .where(
            IntakeResponse.booking_id.in_(list(booking_ids)),
            IntakeResponse.practitioner_id == practitioner_id,
            IntakeResponse.attention_level > 0,
        )
        .group_by(IntakeResponse.booking_id)
    )
    return {booking_id: Attention(level) for booking_id, level in rows}


@dataclass(frozen=True)
class AnsweredQuestion:
    question: Question
    #: What to show: the answer in words, "Not answered" or "Prefer not to say".
    shown: str
    answered: bool
    declined: bool


@dataclass(frozen=True)
class AnsweredSection:
    section: Section
    questions: list[AnsweredQuestion]


@dataclass(frozen=True)
class IntakeSummary:
    response: IntakeResponse
    definition: FormDefinition
    attention: Attention
    flag_reasons: list[str]
    score: dict | None
    sections: list[AnsweredSection]


def summary(response: IntakeResponse) -> IntakeSummary:
    """Flags and score first, then every question by section, unanswered and declined ones shown as such."""
    definition = response.version.definition
    answers = answers_of(response)
    sections = [
        AnsweredSection(section, [_answered(question, answers) for question in section.questions if question.asks])
        for section in definition.sections
    ]
    return IntakeSummary(
        response=response,
        definition=definition,
        attention=response.attention,
        flag_reasons=flag_reasons(response),
        score=json.loads(response.score_json) if response.score_json else None,
        sections=sections,
    )


def _answered(question: Question, answers: dict) -> AnsweredQuestion:
    answer = answers.get(question.key)
    if answer is None:
        return AnsweredQuestion(question, "Not answered", False, False)
    if answer == DECLINED:
        return AnsweredQuestion(question, definitions.DECLINED_LABEL, True, True)
    return AnsweredQuestion(question, answer_text(question, answer), True, False)


def answer_text(question: Question, answer) -> str:
    if isinstance(answer, dict):
        return f"Agreed (statement version {answer['statement_version']}), signed “{answer['name']}” on {answer['date']}"
    if isinstance(answer, list):
        return ", ".join(question.label_for(value) for value in answer)
    if question.options():
        return question.label_for(answer)
    return answer


#: How a practitioner looked at an intake, as the audit trail records it.
READ_ACTIONS = (AuditAction.intake_read, AuditAction.intake_printed, AuditAction.intake_exported)


def record_read(response: IntakeResponse, *, actor: Actor, how: AuditAction, now: datetime) -> None:
    """Every view, print and download of an intake goes into the audit trail, in its own transaction."""
    if how not in READ_ACTIONS:
        raise ValueError(f"{how} is not a way of reading an intake")
    audit.record_now(
        how,
        actor=actor,
        now=now,
        practice_id=response.practice_id,
        object_type="intake_response",
        object_id=response.id,
        detail=f"booking {response.booking_id}",
    )


def export(response: IntakeResponse) -> dict:
    """The intake as plain data, for the practitioner's download."""
    found = summary(response)
    return {
        "form": found.definition.title,
        "form_version": response.version.number,
        "booking": response.booking_id,
        "status": response.status.value,
        "started_at": response.started_at.isoformat(),
        "submitted_at": response.submitted_at.isoformat() if response.submitted_at else None,
        "attention": found.attention.name,
        "flag_reasons": found.flag_reasons,
        "score": found.score,
        "sections": answers_as_data(found),
    }


def answers_as_data(found: IntakeSummary) -> list[dict]:
    """The answers section by section as plain data, for the practitioner's and the client's downloads."""
    return [
        {
            "title": section.section.title,
            "answers": [
                {"question": item.question.label, "answer": item.shown if item.answered else None, "declined": item.declined}
                for item in section.questions
            ],
        }
        for section in found.sections
    ]
