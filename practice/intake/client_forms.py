"""What the client's intake pages show: the booking's forms with their status, and one section's questions ready to render."""
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask_babel import gettext as _

from practice.booking.models import Booking
from practice.intake import service
from practice.intake.answers import Answer, field_name, is_shown
from practice.intake.definitions import CHOOSING, DECLINED, Choice, FormDefinition, Question, QuestionType, Section

#: Answers as a browser would post them: input name → values.
Posted = dict[str, list[str]]


@dataclass(frozen=True)
class ListedForm:
    """One of the booking's forms, as the list page and the manage page show it."""

    form_id: int
    title: str
    done: bool
    started: bool

    @property
    def status_label(self) -> str:
        return _("Sent") if self.done else _("Started") if self.started else _("To fill in")

    @property
    def action_label(self) -> str:
        return _("Continue “%(title)s”", title=self.title) if self.started else _("Fill in “%(title)s”", title=self.title)


def listed_forms(booking: Booking) -> list[ListedForm]:
    """The booking's forms that have something to ask, in the order the service asks for them."""
    listed = []
    for item in service.forms_to_fill(booking):
        definition = service.definition_for(item)
        if definition.sections:
            listed.append(ListedForm(item.form.id, definition.title, item.done, item.started))
    return listed


def forms_for_manage_page(booking: Booking, now: datetime) -> list[ListedForm]:
    """What the manage page offers: the forms, only while they can still be filled."""
    return listed_forms(booking) if service.is_open(booking, now) else []


@dataclass(frozen=True)
class ShownQuestion:
    """One question of the page, with what the client gave so far and anything to say about it."""

    question: Question
    #: What the inputs hold: the saved answer on arrival, what was posted when the page comes back with errors.
    posted: Posted
    error: str = ""
    #: The question it depends on, when that question is on the same page (so the browser may hide it live).
    depends_on: Question | None = None

    #: The value of a "Prefer not to say" radio or checkbox.
    decline_value = DECLINED

    @property
    def name(self) -> str:
        return field_name(self.question)

    def part(self, part: str) -> str:
        return field_name(self.question, part)

    @property
    def is_choosing(self) -> bool:
        return self.question.type in CHOOSING

    @property
    def first_id(self) -> str:
        """The id of the question's first input: where the error summary's link lands."""
        if self.is_choosing:
            return f"{self.name}-0"
        if self.question.type is QuestionType.consent:
            return self.part("name")
        return self.name

    @property
    def values(self) -> list[str]:
        return self.posted.get(self.name, [])

    @property
    def value(self) -> str:
        values = self.values
        return values[0] if values else ""

    @property
    def options(self) -> tuple[Choice, ...]:
        """The answers offered, as the client reads them."""
        return tuple(replace(choice, label=_label_for(self.question, choice.value)) for choice in self.question.options())

    def is_chosen(self, value: str) -> bool:
        return value in self.values

    @property
    def declined(self) -> bool:
        if self.is_choosing:
            return DECLINED in self.values
        return bool(self.posted.get(self.part("declined")))

    @property
    def signed_name(self) -> str:
        names = self.posted.get(self.part("name"), [])
        return names[0] if names else ""

    @property
    def agreed(self) -> bool:
        return bool(self.posted.get(self.part("agree")))

    @property
    def condition_field(self) -> str:
        return field_name(self.depends_on) if self.depends_on is not None else ""

    @property
    def condition_hint(self) -> str:
        if self.depends_on is None:
            return ""
        answer = _label_for(self.depends_on, self.question.condition.equals)
        return _("Only if you answered “%(answer)s” to “%(question)s”", answer=answer, question=self.depends_on.label)


def _label_for(question: Question, value: str) -> str:
    """A choice in the client's language: Tend's own "Yes" and "No"; a form's choices as the practice wrote them."""
    if question.type is QuestionType.yes_no:
        return {"yes": _("Yes"), "no": _("No")}.get(value, value)
    return question.label_for(value)


@dataclass(frozen=True)
class ShownPage:
    definition: FormDefinition
    step: int
    section: Section
    questions: list[ShownQuestion] = field(default_factory=list)

    @property
    def steps(self) -> int:
        return len(self.definition.sections)

    @property
    def number(self) -> int:
        return self.step + 1

    @property
    def is_last(self) -> bool:
        return self.number == self.steps

    @property
    def errors(self) -> list[ShownQuestion]:
        return [shown for shown in self.questions if shown.error]


def shown_page(definition: FormDefinition, step: int, posted: Posted, earlier: dict[str, Answer], errors: dict[str, str]) -> ShownPage:
    """The section at `step` as the client sees it.

    A question whose condition is on an earlier page is shown only if that earlier answer
    calls for it. One whose condition is on this page is always sent, with a hint saying when
    it applies: without JavaScript the client simply skips it, and the server ignores it when
    it does not apply.
    """
    section = definition.sections[step]
    on_page = {question.key: question for question in section.questions}
    left_out: set[str] = set()
    questions = []
    for question in section.questions:
        condition = question.condition
        depends_on = None
        if condition is not None:
            if condition.question in on_page:
                depends_on = on_page[condition.question]
                if depends_on.key in left_out:
                    left_out.add(question.key)
                    continue
            elif not is_shown(question, earlier):
                left_out.add(question.key)
                continue
        questions.append(ShownQuestion(question, posted, errors.get(question.key, ""), depends_on))
    return ShownPage(definition, step, section, questions)


def as_posted(section: Section, answers: dict[str, Answer]) -> Posted:
    """Saved answers in the shape a browser posts them, so the page shows them as they were given."""
    posted: Posted = {}
    for question in section.questions:
        answer = answers.get(question.key)
        if answer is None or not question.asks:
            continue
        if answer == DECLINED:
            name = field_name(question) if question.type in CHOOSING else field_name(question, "declined")
            posted[name] = [DECLINED]
        elif isinstance(answer, dict):
            posted[field_name(question, "name")] = [answer.get("name", "")]
            posted[field_name(question, "agree")] = ["yes"]
        elif isinstance(answer, list):
            posted[field_name(question)] = list(answer)
        else:
            posted[field_name(question)] = [answer]
    return posted
