"""The form builder in the admin panel: forms, their sections and questions, and the services that ask for them."""
from collections.abc import Callable
from datetime import datetime, timezone

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from practice.catalog import service as catalog
from practice.catalog.models import Service
from practice.intake import definitions, editing, service
from practice.intake.builder_forms import DetailsForm, NewFormForm, QuestionForm, SectionForm, question_data
from practice.intake.definitions import QUESTION_TYPE_LABELS, DefinitionError, FormDefinition, QuestionType
from practice.intake.models import IntakeForm
from practice.intake.starter_forms import STARTER_FORMS
from practice.security.authz import found_or_404, visible_to
from practice.security.private_pages import current_actor, make_private
from practice.sqltypes import MAX_ID

bp = make_private(Blueprint("forms", __name__, url_prefix="/admin/forms"))

#: The one-step moves a "Move up" or "Move down" button asks for.
STEPS = {"up": -1, "down": 1}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _found(form_id: int) -> IntakeForm:
    return found_or_404(IntakeForm, form_id, current_actor())


def _step() -> int:
    step = STEPS.get(request.form.get("direction", ""))
    if step is None:
        abort(400)
    return step


# --- the list -----------------------------------------------------------------------------


def _render_list(new_form: NewFormForm | None = None, message: str | None = None, status: int = 200):
    current, archived = service.current_and_archived_forms(visible_to(current_actor(), IntakeForm))
    return render_template(
        "intake/builder/list.html",
        forms=current,
        archived=archived,
        starters=STARTER_FORMS,
        new_form=new_form or NewFormForm(formdata=None),
        message=message,
    ), status


@bp.get("/")
def list_forms():
    return _render_list()


@bp.post("/new")
def new_form():
    """A blank form with a title, or one click on a starter template: either way, straight to its editor."""
    posted = NewFormForm()
    if not posted.validate_on_submit():
        return _render_list(posted, status=422)
    try:
        created = service.create_form(
            current_user._get_current_object(), template=posted.template.data or "", title=posted.title.data or "", now=_now()
        )
    except DefinitionError as refused:
        return _render_list(posted, message=str(refused), status=422)
    flash(f"“{created.title}” is added. Make it your own below; no service asks for it until you choose one.", "success")
    return redirect(url_for("forms.edit_form", form_id=created.id), code=303)


# --- one form -----------------------------------------------------------------------------


def _render_editor(
    found: IntakeForm,
    *,
    details: DetailsForm | None = None,
    new_section: SectionForm | None = None,
    message: str | None = None,
    status: int = 200,
):
    definition = found.latest.definition
    services, _ = catalog.current_and_archived(Service.practitioner_id == found.practitioner_id)
    return render_template(
        "intake/builder/editor.html",
        found=found,
        definition=definition,
        details=details or DetailsForm(formdata=None, prefix="form", data={"title": definition.title, "intro": definition.intro}),
        new_section=new_section or SectionForm(formdata=None, prefix="new-section"),
        services=services,
        asking=set(service.services_asking(found.id)),
        answered=service.is_answered(found.latest),
        question_types=QUESTION_TYPE_LABELS,
        shown_when=editing.shown_when,
        flag_note=editing.flag_note,
        message=message,
    ), status


def _change(found: IntakeForm, change: Callable[[FormDefinition], FormDefinition], done: str, anchor: str | None = None):
    """Keep one edit (as a new version once clients have begun the form); a refused one re-shows the editor."""
    try:
        service.change_form(found, change, now=_now())
    except DefinitionError as refused:
        return _render_editor(found, message=str(refused), status=422)
    flash(done, "success")
    return redirect(url_for("forms.edit_form", form_id=found.id, _anchor=anchor), code=303)


@bp.get("/<int:form_id>")
def edit_form(form_id: int):
    return _render_editor(_found(form_id))


@bp.post("/<int:form_id>")
def save_details(form_id: int):
    found = _found(form_id)
    details = DetailsForm(prefix="form")
    if not details.validate_on_submit():
        return _render_editor(found, details=details, status=422)
    try:
        service.change_form(found, lambda d: editing.with_details(d, details.title.data, details.intro.data), now=_now())
    except DefinitionError as refused:
        return _render_editor(found, details=details, message=str(refused), status=422)
    flash("The title and introduction are saved.", "success")
    return redirect(url_for("forms.edit_form", form_id=found.id), code=303)


@bp.get("/<int:form_id>/preview")
def preview_form(form_id: int):
    found = _found(form_id)
    return render_template(
        "intake/builder/preview.html", found=found, definition=found.latest.definition, shown_when=editing.shown_when
    )


@bp.post("/<int:form_id>/services")
def save_services(form_id: int):
    found = _found(form_id)
    if found.archived_at is not None:
        return _render_editor(found, message="An archived form is not asked for by any service.", status=409)
    chosen = [service_id for service_id in request.form.getlist("service", type=int) if 0 < service_id <= MAX_ID]
    service.set_services_asking(found, chosen)
    flash("Saved: the services ticked ask for this form from their next booking on.", "success")
    return redirect(url_for("forms.edit_form", form_id=found.id, _anchor="services"), code=303)


@bp.post("/<int:form_id>/archive")
def archive_form(form_id: int):
    found = _found(form_id)
    service.archive_form(found, now=_now())
    flash(f"“{found.title}” is archived: no service asks for it now. Answers already given stay readable.", "success")
    return redirect(url_for("forms.list_forms"), code=303)


# --- sections -----------------------------------------------------------------------------


def _section_or_404(definition: FormDefinition, section_key: str):
    section = definition.section(section_key)
    if section is None:
        abort(404)
    return section


@bp.post("/<int:form_id>/sections")
def add_section(form_id: int):
    found = _found(form_id)
    posted = SectionForm(prefix="new-section")
    if not posted.validate_on_submit():
        return _render_editor(found, new_section=posted, status=422)
    return _change(
        found,
        lambda d: editing.with_new_section(d, posted.title.data, posted.intro.data),
        f"The section “{posted.title.data}” is added.",
        anchor="sections-end",
    )


def _render_section(found: IntakeForm, section, form: SectionForm, message: str | None = None, status: int = 200):
    return render_template("intake/builder/section.html", found=found, section=section, form=form, message=message), status


@bp.route("/<int:form_id>/sections/<section_key>", methods=["GET", "POST"])
def edit_section(form_id: int, section_key: str):
    found = _found(form_id)
    section = _section_or_404(found.latest.definition, section_key)
    form = SectionForm(data={"title": section.title, "intro": section.intro})
    if not form.validate_on_submit():
        return _render_section(found, section, form, status=422 if form.is_submitted() else 200)
    try:
        service.change_form(
            found, lambda d: editing.with_section_details(d, section_key, form.title.data, form.intro.data), now=_now()
        )
    except DefinitionError as refused:
        return _render_section(found, section, form, message=str(refused), status=422)
    flash(f"The section “{form.title.data}” is saved.", "success")
    return redirect(url_for("forms.edit_form", form_id=found.id, _anchor=f"section-{section_key}"), code=303)


@bp.post("/<int:form_id>/sections/<section_key>/move")
def move_section(form_id: int, section_key: str):
    found = _found(form_id)
    _section_or_404(found.latest.definition, section_key)
    step = _step()
    return _change(
        found,
        lambda d: editing.with_moved_section(d, section_key, step),
        "The section is moved up." if step < 0 else "The section is moved down.",
        anchor=f"section-{section_key}",
    )


@bp.post("/<int:form_id>/sections/<section_key>/delete")
def delete_section(form_id: int, section_key: str):
    found = _found(form_id)
    section = _section_or_404(found.latest.definition, section_key)
    return _change(
        found,
        lambda d: editing.without_section_and_questions(d, section_key),
        f"The section “{section.title}” and its questions are deleted.",
    )


# --- questions ----------------------------------------------------------------------------


def _render_question(found: IntakeForm, section, form: QuestionForm, question=None, message=None, status: int = 200):
    return render_template(
        "intake/builder/question.html",
        found=found,
        section=section,
        form=form,
        question=question,
        type_label=QUESTION_TYPE_LABELS[form.question_type],
        scoring=found.latest.definition.scoring,
        flag_note=editing.flag_note,
        message=message,
    ), status


def _keep_question(found: IntakeForm, section, form: QuestionForm, question, change: Callable[[FormDefinition], FormDefinition]):
    try:
        service.change_form(found, change, now=_now())
    except editing.ChoicesError as refused:
        form.choices.errors = [str(refused)]
        return _render_question(found, section, form, question, status=422)
    except DefinitionError as refused:
        return _render_question(found, section, form, question, message=str(refused), status=422)
    return None


@bp.route("/<int:form_id>/sections/<section_key>/questions/new", methods=["GET", "POST"])
def new_question(form_id: int, section_key: str):
    found = _found(form_id)
    definition = found.latest.definition
    section = _section_or_404(definition, section_key)
    try:
        question_type = QuestionType(request.args.get("type", ""))
    except ValueError:
        # The section exists; only the link is malformed.
        abort(400)
    form = QuestionForm(question_type=question_type, condition_choices=editing.condition_choices(definition, section_key))
    if not form.validate_on_submit():
        return _render_question(found, section, form, status=422 if form.is_submitted() else 200)
    draft = form.draft(None)
    refused = _keep_question(
        found, section, form, None, lambda d: editing.with_new_question(d, section_key, question_type, draft)
    )
    if refused is not None:
        return refused
    flash(f"The question is added to “{section.title}”.", "success")
    return redirect(url_for("forms.edit_form", form_id=found.id, _anchor=f"section-{section_key}"), code=303)


def _question_or_404(definition: FormDefinition, question_key: str):
    question = definition.question(question_key)
    if question is None:
        abort(404)
    return question


@bp.route("/<int:form_id>/questions/<question_key>", methods=["GET", "POST"])
def edit_question(form_id: int, question_key: str):
    found = _found(form_id)
    definition = found.latest.definition
    question = _question_or_404(definition, question_key)
    section = editing.section_of(definition, question_key)
    form = QuestionForm(
        question_type=question.type,
        condition_choices=editing.condition_choices(definition, section.key, question_key),
        data=question_data(question),
    )
    if not form.validate_on_submit():
        return _render_question(found, section, form, question, status=422 if form.is_submitted() else 200)
    draft = form.draft(question)
    refused = _keep_question(found, section, form, question, lambda d: editing.with_edited_question(d, question_key, draft))
    if refused is not None:
        return refused
    flash("The question is saved.", "success")
    return redirect(url_for("forms.edit_form", form_id=found.id, _anchor=f"question-{question_key}"), code=303)


@bp.post("/<int:form_id>/questions/<question_key>/move")
def move_question(form_id: int, question_key: str):
    found = _found(form_id)
    _question_or_404(found.latest.definition, question_key)
    step = _step()
    return _change(
        found,
        lambda d: editing.with_moved_question(d, question_key, step),
        "The question is moved up." if step < 0 else "The question is moved down.",
        anchor=f"question-{question_key}",
    )


@bp.post("/<int:form_id>/questions/<question_key>/delete")
def delete_question(form_id: int, question_key: str):
    found = _found(form_id)
    _question_or_404(found.latest.definition, question_key)
    return _change(
        found,
        lambda d: definitions.without_question(d, question_key),
        "The question is deleted. Answers already given to it stay with the version they answered.",
    )
