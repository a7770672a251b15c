"""Reading one page of a client's answers: what the form posted, checked against the section it showed.

Pure: takes the posted values as a dict of lists and returns answers and per-question messages,
in the request's language (English outside one).
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal
from flask_babel import gettext as _

from practice.intake.definitions import (
    DECLINED,
    MAX_TEXT,
    FormDefinition,
    Question,
    QuestionType,
    Section,
)
from practice.timeformats import formatting_locale

SHORT_TEXT = 300
#: Dates before this are taken for typing mistakes.
EARLIEST_DATE = date(1900, 1, 1)
LARGEST_NUMBER = Decimal(10) ** 9

#: An answer: text or a choice's value; a list of values; a consent record; or DECLINED.
Answer = str | list[str] | dict


@dataclass
class PageResult:
    answers: dict[str, Answer] = field(default_factory=dict)
    #: Question key → what to tell the client, for every question that must be answered again.
    errors: dict[str, str] = field(default_factory=dict)


def field_name(question: Question, part: str = "") -> str:
    """The HTML name of a question's input; never the answer, never anything but the key."""
    return f"q-{question.key}" + (f"-{part}" if part else "")


def is_shown(question: Question, answers: dict[str, Answer]) -> bool:
    """Whether the question applies, given the answers so far."""
    if question.condition is None:
        return True
    given = answers.get(question.condition.question)
    if isinstance(given, list):
        return question.condition.equals in given
    return given == question.condition.equals


def shown_questions(section: Section, answers: dict[str, Answer]) -> list[Question]:
    """The section's questions that apply, in order; a condition may name a question earlier on the same page."""
    return [question for question in section.questions if is_shown(question, answers)]


def read_page(section: Section, posted: dict[str, list[str]], earlier: dict[str, Answer], *, today: date) -> PageResult:
    """The section's answers from `posted`, each question checked in the light of the answers before it."""
    result = PageResult()
    known = dict(earlier)
    for question in section.questions:
        known.pop(question.key, None)
        if not question.asks or not is_shown(question, known):
            continue
        try:
            answer = _read(question, posted, today)
        except ValueError as problem:
            result.errors[question.key] = str(problem)
            continue
        if answer is None:
            if question.required:
                result.errors[question.key] = _missing_message(question)
            continue
        result.answers[question.key] = known[question.key] = answer
    return result


def answers_after_page(definition: FormDefinition, before: dict[str, Answer], section: Section, page: dict[str, Answer]) -> dict[str, Answer]:
    """All answers once a page is saved: the page's replace what it asked before, and answers to
    questions no longer shown (their condition changed) are dropped rather than kept unseen."""
    asked_here = {question.key for question in section.questions}
    merged = {key: value for key, value in before.items() if key not in asked_here}
    merged.update(page)
    shown: dict[str, Answer] = {}
    for question in definition.questions():
        if question.key in merged and is_shown(question, shown):
            shown[question.key] = merged[question.key]
    return shown


def _missing_message(question: Question) -> str:
    if question.type is QuestionType.consent:
        return _("Please type your full name and tick the box to agree, or stop here and contact the practice.")
    if question.allow_decline:
        return _("Please answer this question, or choose “Prefer not to say”.")
    return _("Please answer this question.")


def _values(posted: dict[str, list[str]], name: str) -> list[str]:
    return [value.strip() for value in posted.get(name, []) if value.strip()]


def _declined(question: Question, posted: dict[str, list[str]]) -> bool:
    return question.allow_decline and (
        DECLINED in _values(posted, field_name(question)) or bool(_values(posted, field_name(question, "declined")))
    )


def _read(question: Question, posted: dict[str, list[str]], today: date) -> Answer | None:
    if _declined(question, posted):
        return DECLINED
    values = _values(posted, field_name(question))
    reader = _READERS[question.type]
    if question.type is QuestionType.consent:
        return reader(question, posted, today)
    return reader(question, values) if values else None


def _text(limit: int):
    def read(question: Question, values: list[str]) -> str:
        text = values[0].replace("\r\n", "\n")
        if len(text) > limit:
            raise ValueError(
                _("Please keep this to %(limit)s characters (it has %(length)s).", limit=_count(limit), length=_count(len(text)))
            )
        return text

    return read


def _count(number: int) -> str:
    return format_decimal(number, locale=formatting_locale())


def _one_choice(question: Question, values: list[str]) -> str:
    offered = {choice.value for choice in question.options()}
    if len(values) != 1 or values[0] not in offered:
        raise ValueError(_("Please choose one of the answers given."))
    return values[0]


def _choices(question: Question, values: list[str]) -> list[str]:
    offered = [choice.value for choice in question.options()]
    if any(value not in offered for value in values):
        raise ValueError(_("Please choose among the answers given."))
    return [value for value in offered if value in values]


def _date(question: Question, values: list[str]) -> str:
    try:
        day = date.fromisoformat(values[0])
    except ValueError:
        raise ValueError(_("Please give a date as year, month and day, like 2026-03-14.")) from None
    if not EARLIEST_DATE <= day <= date(2100, 12, 31):
        raise ValueError(_("Please check the year of this date."))
    return day.isoformat()


def _number(question: Question, values: list[str]) -> str:
    try:
        number = Decimal(values[0].replace(",", "."))
    except InvalidOperation:
        raise ValueError(_("Please give a number, like 3 or 2.5.")) from None
    if not number.is_finite() or abs(number) >= LARGEST_NUMBER:
        raise ValueError(_("Please give a smaller number."))
    return format(number.normalize(), "f")


def _consent(question: Question, posted: dict[str, list[str]], today: date) -> dict | None:
    names = _values(posted, field_name(question, "name"))
    agreed = bool(_values(posted, field_name(question, "agree")))
    if not names and not agreed:
        return None
    if not agreed:
        raise ValueError(_("Please tick the box to agree, or leave your name out."))
    if not names:
        raise ValueError(_("Please type your full name to sign."))
    if len(names[0]) > 200:
        raise ValueError(_("Please keep your name to 200 characters."))
    return {"name": names[0], "date": today.isoformat(), "statement_version": question.statement_version}


_READERS = {
    QuestionType.short_text: _text(SHORT_TEXT),
    QuestionType.long_text: _text(MAX_TEXT),
    QuestionType.single_choice: _one_choice,
    QuestionType.yes_no: _one_choice,
    QuestionType.scale: _one_choice,
    QuestionType.multiple_choice: _choices,
    QuestionType.date: _date,
    QuestionType.number: _number,
    QuestionType.consent: _consent,
}
