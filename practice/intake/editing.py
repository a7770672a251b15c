"""The form builder's edits as pure changes of a FormDefinition, keeping what answers and rules rely on."""
import re
from dataclasses import dataclass, replace

from practice.intake.definitions import (
    ATTENTION_LABELS,
    CHOOSING,
    DECLINED,
    MAX_LABEL,
    Choice,
    Condition,
    DefinitionError,
    Flag,
    FormDefinition,
    Question,
    QuestionType,
    Section,
    fresh_key,
    moved,
    with_question,
    with_section,
    without_section,
)

#: More answers than this is a list nobody reads to the end on a phone.
MAX_CHOICES = 30
#: How much of a question's wording names it in a list of conditions.
SHORT_WORDING = 70


class ChoicesError(DefinitionError):
    """The answers typed for a choice question cannot be used as given."""


@dataclass(frozen=True)
class QuestionDraft:
    """What the practitioner typed for a question; only the parts its type uses matter."""

    label: str
    help: str = ""
    required: bool = False
    allow_decline: bool = False
    #: The answers of a single or multiple choice, one per line as typed.
    choice_labels: tuple[str, ...] = ()
    scale_max: int = 0
    min_label: str = ""
    max_label: str = ""
    statement: str = ""
    condition: Condition | None = None


# --- the form and its sections --------------------------------------------------------------


def with_details(definition: FormDefinition, title: str, intro: str) -> FormDefinition:
    return replace(definition, title=title.strip(), intro=intro.strip())


def with_new_section(definition: FormDefinition, title: str, intro: str) -> FormDefinition:
    section = Section(key=fresh_key(definition, "section"), title=title.strip(), intro=intro.strip())
    return with_section(definition, section)


def with_section_details(definition: FormDefinition, key: str, title: str, intro: str) -> FormDefinition:
    section = _section(definition, key)
    return with_section(definition, replace(section, title=title.strip(), intro=intro.strip()))


def with_moved_section(definition: FormDefinition, key: str, step: int) -> FormDefinition:
    _section(definition, key)
    return replace(definition, sections=moved(definition.sections, key, step))


def without_section_and_questions(definition: FormDefinition, key: str) -> FormDefinition:
    """The definition without section `key` and its questions; refused while a question elsewhere
    depends on one of them, or the score counts one."""
    section = _section(definition, key)
    leaving = {question.key for question in section.questions}
    for question in definition.questions():
        if question.key not in leaving and question.condition and question.condition.question in leaving:
            raise DefinitionError(f"“{question.label}” is shown only after a question of this section: change that first.")
    if definition.scoring is not None and leaving & set(definition.scoring.items):
        raise DefinitionError(f"The {definition.scoring.name} score counts questions of this section, so it stays.")
    return without_section(definition, key)


def _section(definition: FormDefinition, key: str) -> Section:
    section = definition.section(key)
    if section is None:
        raise DefinitionError("That section is no longer in this form.")
    return section


# --- questions ----------------------------------------------------------------------------------


def section_of(definition: FormDefinition, question_key: str) -> Section | None:
    return next((s for s in definition.sections if any(q.key == question_key for q in s.questions)), None)


def with_new_question(definition: FormDefinition, section_key: str, question_type: QuestionType, draft: QuestionDraft) -> FormDefinition:
    """The definition with a question made from `draft` at the end of the section, under a fresh key."""
    _section(definition, section_key)
    blank = Question(key=fresh_key(definition, question_type.value), type=question_type, label="")
    return with_question(definition, section_key, question_from_draft(blank, draft, definition))


def with_edited_question(definition: FormDefinition, key: str, draft: QuestionDraft) -> FormDefinition:
    section = section_of(definition, key)
    if section is None:
        raise DefinitionError("That question is no longer in this form.")
    return with_question(definition, section.key, question_from_draft(definition.question(key), draft, definition))


def question_from_draft(old: Question, draft: QuestionDraft, definition: FormDefinition) -> Question:
    """`old` as the draft says, keeping its key, type and care flag; parts its type does not use are cleared.

    Answers already given, conditions, flags and scores name choices by value, so each choice
    keeps its value (and score) while its wording stays or is only reworded in place.
    """
    asks = old.type is not QuestionType.information
    choices = ()
    if old.type in (QuestionType.single_choice, QuestionType.multiple_choice):
        scored_by = definition.scoring.name if definition.scoring and old.key in definition.scoring.items else None
        choices = kept_choices(old.choices, draft.choice_labels, scored_by=scored_by)
    statement = draft.statement.strip() if old.type is QuestionType.consent else ""
    question = replace(
        old,
        label=draft.label.strip(),
        help=draft.help.strip() if asks else "",
        required=draft.required and asks,
        allow_decline=draft.allow_decline and asks,
        choices=choices,
        scale_max=draft.scale_max if old.type is QuestionType.scale else 0,
        min_label=draft.min_label.strip() if old.type is QuestionType.scale else "",
        max_label=draft.max_label.strip() if old.type is QuestionType.scale else "",
        statement=statement,
        statement_version=next_statement_version(old, statement),
        condition=draft.condition,
    )
    return replace(question, flag=_kept_flag(old.flag, question))


def next_statement_version(old: Question, statement: str) -> int:
    """A consent's statement version goes up whenever its text changes: each answer names the one agreed to."""
    if old.type is not QuestionType.consent or not old.statement:
        return 1
    if " ".join(statement.split()) == " ".join(old.statement.split()):
        return old.statement_version
    return old.statement_version + 1


def kept_choices(old: tuple[Choice, ...], lines: tuple[str, ...], *, scored_by: str | None = None) -> tuple[Choice, ...]:
    """Choices from the typed lines; an unchanged wording (wherever it moved) or a rewording in the
    same place keeps the old choice's value and score, anything else gets a value never used before.

    A screener's scored answers are published: they may be reworded but neither added nor removed.
    """
    labels = [label.strip() for label in lines if label.strip()]
    if len(labels) < 2:
        raise ChoicesError("Please give at least two answers, one a line.")
    if len(labels) > MAX_CHOICES:
        raise ChoicesError(f"Please keep to {MAX_CHOICES} answers.")
    if any(len(label) > MAX_LABEL for label in labels):
        raise ChoicesError(f"Please keep each answer to {MAX_LABEL} characters.")
    if len({_same(label) for label in labels}) != len(labels):
        raise ChoicesError("Two answers read the same: each needs its own wording.")
    if scored_by and len(labels) != len(old):
        raise ChoicesError(
            f"The {scored_by} score counts these {len(old)} answers: reword them in place, one a line, but keep them all."
        )
    matched: list[Choice | None] = [None] * len(labels)
    unused = list(old)
    for index, label in enumerate(labels):
        same = next((choice for choice in unused if _same(choice.label) == _same(label)), None)
        if same is not None:
            matched[index] = same
            unused.remove(same)
    for index, label in enumerate(labels):
        if matched[index] is None and index < len(old) and old[index] in unused:
            matched[index] = old[index]
            unused.remove(old[index])
    taken = {choice.value for choice in old}
    kept = []
    for label, found in zip(labels, matched):
        if found is None:
            if scored_by:
                raise ChoicesError(f"The {scored_by} score counts these answers: reword them in place, one a line.")
            value = _new_value(label, taken)
            taken.add(value)
            kept.append(Choice(value, label))
        else:
            kept.append(replace(found, label=label))
    return tuple(kept)


def _same(label: str) -> str:
    return " ".join(label.split()).casefold()


def _new_value(label: str, taken: set[str]) -> str:
    stem = re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_")[:40] or "answer"
    value, n = stem, 1
    while value in taken or value == DECLINED:
        n += 1
        value = f"{stem}_{n}"
    return value


def _kept_flag(flag: Flag | None, question: Question) -> Flag | None:
    """The care flag, reacting only to answers the question still offers; gone when none is left."""
    if flag is None or not flag.values:
        return flag
    offered = {choice.value for choice in question.options()}
    values = tuple(value for value in flag.values if value in offered)
    if not values and flag.within_days is None:
        return None
    return replace(flag, values=values)


def with_moved_question(definition: FormDefinition, key: str, step: int) -> FormDefinition:
    """The question moved one place up (step -1) or down (+1); past its section's edge it joins the next section."""
    section = section_of(definition, key)
    if section is None:
        raise DefinitionError("That question is no longer in this form.")
    keys = [question.key for question in section.questions]
    if 0 <= keys.index(key) + step < len(keys):
        return with_section(definition, replace(section, questions=moved(section.questions, key, step)))
    here = definition.sections.index(section)
    there = here + (1 if step > 0 else -1)
    if not 0 <= there < len(definition.sections):
        return definition
    question = definition.question(key)
    neighbour = definition.sections[there]
    joined = (question,) + neighbour.questions if step > 0 else neighbour.questions + (question,)
    sections = list(definition.sections)
    sections[here] = replace(section, questions=tuple(q for q in section.questions if q.key != key))
    sections[there] = replace(neighbour, questions=joined)
    return replace(definition, sections=tuple(sections))


# --- conditions ---------------------------------------------------------------------------------


def condition_value(condition: Condition | None) -> str:
    """A condition as one select value: keys never hold ":", so the answer's value is what follows it."""
    return "" if condition is None else f"{condition.question}:{condition.equals}"


def condition_from(value: str) -> Condition | None:
    if not value:
        return None
    question, _, equals = value.partition(":")
    return Condition(question, equals)


def condition_choices(definition: FormDefinition, section_key: str, question_key: str | None = None) -> list[tuple[str, str]]:
    """Every "question — answer" a question may depend on: the answers of choice questions asked before it
    (before the end of its section, for a question about to be added)."""
    earlier: list[Question] = []
    for section in definition.sections:
        for question in section.questions:
            if question.key == question_key:
                return _pairs(earlier)
            earlier.append(question)
        if section.key == section_key and question_key is None:
            return _pairs(earlier)
    return _pairs(earlier)


def _pairs(questions: list[Question]) -> list[tuple[str, str]]:
    return [
        (condition_value(Condition(question.key, choice.value)), f"{_short(question.label)} — {choice.label}")
        for question in questions
        if question.type in CHOOSING
        for choice in question.options()
    ]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT_WORDING else text[: SHORT_WORDING - 1].rstrip() + "…"


# --- what the editor says about a question ------------------------------------------------------


def shown_when(definition: FormDefinition, question: Question) -> str:
    """“Shown only when “Are you bleeding?” is “Heavy bleeding”.”, or "" for a question always shown."""
    if question.condition is None:
        return ""
    target = definition.question(question.condition.question)
    if target is None:
        return ""
    return f"Shown only when “{_short(target.label)}” is “{target.label_for(question.condition.equals)}”."


def flag_note(question: Question) -> str:
    """What the question's care flag does, in the practitioner's words, or ""."""
    flag = question.flag
    if flag is None:
        return ""
    when = []
    if flag.values:
        when.append("when the answer is " + " or ".join(f"“{question.label_for(value)}”" for value in flag.values))
    if flag.within_days is not None:
        when.append(f"when the date is at most {flag.within_days} days before the session")
    note = f"Flags the booking: {ATTENTION_LABELS[flag.level]} ({flag.reason}) — {' or '.join(when)}."
    if flag.shows_crisis_resources:
        note += " The client is shown the practice's crisis resources at once."
    return note
