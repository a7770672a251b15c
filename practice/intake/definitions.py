"""What an intake form asks: sections of questions, kept by each form version as JSON.

Pure: no Flask, no database. Question keys are stable across versions, so answers,
conditions, scores and care flags all name questions by key.
"""
import enum
import json
import re
from dataclasses import MISSING, dataclass, replace


class QuestionType(enum.Enum):
    short_text = "short_text"
    long_text = "long_text"
    single_choice = "single_choice"
    multiple_choice = "multiple_choice"
    yes_no = "yes_no"
    scale = "scale"
    date = "date"
    number = "number"
    consent = "consent"
    #: Not a question: a paragraph shown in its place, such as a section's content note.
    information = "information"


QUESTION_TYPE_LABELS = {
    QuestionType.short_text: "Short text",
    QuestionType.long_text: "Long text",
    QuestionType.single_choice: "Single choice",
    QuestionType.multiple_choice: "Multiple choice",
    QuestionType.yes_no: "Yes / no",
    QuestionType.scale: "Scale",
    QuestionType.date: "Date",
    QuestionType.number: "Number",
    QuestionType.consent: "Consent",
    QuestionType.information: "Information text",
}

#: Types whose answer is one of a list of values.
CHOOSING = (QuestionType.single_choice, QuestionType.multiple_choice, QuestionType.yes_no, QuestionType.scale)

#: The answer stored when the client chose "Prefer not to say": never a choice's value.
DECLINED = "prefer_not_to_say"
DECLINED_LABEL = "Prefer not to say"

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_SCALE = 10
MAX_LABEL = 500
MAX_TEXT = 4000


class Attention(enum.IntEnum):
    """How urgently a practitioner should look at an intake, in rising order."""

    none = 0
    #: A massage contraindication: talk it through before the session.
    check_before_session = 1
    #: A self-harm item answered above zero: the client was shown crisis resources.
    needs_attention = 2


ATTENTION_LABELS = {
    Attention.none: "",
    Attention.check_before_session: "Check before session",
    Attention.needs_attention: "Needs attention",
}


class DefinitionError(ValueError):
    """A form definition that cannot be used as given."""


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    #: Points this answer adds to the form's score (screeners); None where nothing is scored.
    score: int | None = None


@dataclass(frozen=True)
class Condition:
    """Show the question only when question `question` was answered `equals` (or, for a
    multiple choice, when `equals` was among the answers)."""

    question: str
    equals: str


@dataclass(frozen=True)
class Flag:
    """An answer that flags the booking for the practitioner."""

    level: Attention
    #: Said to the practitioner, never to the client: "Heavy bleeding now".
    reason: str
    #: Raised when the answer is one of these values …
    values: tuple[str, ...] = ()
    #: … or, for a date question, when the date is at most this many days before the session.
    within_days: int | None = None
    #: Show the practice's crisis resources on the client's next page.
    shows_crisis_resources: bool = False


@dataclass(frozen=True)
class Question:
    key: str
    type: QuestionType
    label: str
    help: str = ""
    required: bool = False
    #: Offer "Prefer not to say": every sensitive question should.
    allow_decline: bool = False
    choices: tuple[Choice, ...] = ()
    #: A scale runs from 0 to scale_max, with words at its two ends.
    scale_max: int = 0
    min_label: str = ""
    max_label: str = ""
    #: Consent: the statement agreed to, and its version, kept with each answer.
    statement: str = ""
    statement_version: int = 1
    condition: Condition | None = None
    flag: Flag | None = None

    @property
    def asks(self) -> bool:
        """Whether the client answers it (information text is only read)."""
        return self.type is not QuestionType.information

    @property
    def type_label(self) -> str:
        return QUESTION_TYPE_LABELS[self.type]

    def options(self) -> tuple[Choice, ...]:
        """The answers offered, for every choosing type (yes/no and scales make their own)."""
        if self.type is QuestionType.yes_no:
            return (Choice("yes", "Yes"), Choice("no", "No"))
        if self.type is QuestionType.scale:
            return tuple(Choice(str(n), str(n), n) for n in range(self.scale_max + 1))
        return self.choices

    def label_for(self, value: str) -> str:
        if value == DECLINED:
            return DECLINED_LABEL
        for choice in self.options():
            if choice.value == value:
                return choice.label
        return value


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str = ""
    questions: tuple[Question, ...] = ()


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str


@dataclass(frozen=True)
class Scoring:
    """A screener's total: the sum of its items' choice scores, read against published bands."""

    name: str
    items: tuple[str, ...]
    bands: tuple[Band, ...]
    citation: str

    @property
    def max_score(self) -> int:
        return self.bands[-1].high


@dataclass(frozen=True)
class FormDefinition:
    title: str
    intro: str = ""
    sections: tuple[Section, ...] = ()
    scoring: Scoring | None = None

    def questions(self) -> list[Question]:
        return [question for section in self.sections for question in section.questions]

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions() if q.key == key), None)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def keys(self) -> set[str]:
        return {s.key for s in self.sections} | {q.key for q in self.questions()}


# --- checking -----------------------------------------------------------------------------


def check(definition: FormDefinition) -> FormDefinition:
    """The definition if it can be shown and answered; DefinitionError saying what is wrong otherwise."""
    if not definition.title.strip():
        raise DefinitionError("A form needs a title.")
    seen: set[str] = set()
    for section in definition.sections:
        _check_key(section.key, seen)
        for index, question in enumerate(section.questions):
            _check_key(question.key, seen)
            _check_question(question)
            if question.condition is not None:
                _check_condition(definition, section, index, question)
    if definition.scoring is not None:
        _check_scoring(definition)
    return definition


def _check_key(key: str, seen: set[str]) -> None:
    if not KEY_PATTERN.match(key):
        raise DefinitionError(f"“{key}” is not a usable key: lower-case letters, digits and _.")
    if key in seen:
        raise DefinitionError(f"The key “{key}” is used twice.")
    seen.add(key)


def _check_question(question: Question) -> None:
    if not question.label.strip():
        raise DefinitionError("Every question needs its wording.")
    if question.type in (QuestionType.single_choice, QuestionType.multiple_choice):
        values = [choice.value for choice in question.choices]
        if len(values) < 2:
            raise DefinitionError(f"“{question.label}” needs at least two choices.")
        if len(set(values)) != len(values) or DECLINED in values or not all(values):
            raise DefinitionError(f"The choices of “{question.label}” need distinct values.")
    if question.type is QuestionType.scale and not 1 <= question.scale_max <= MAX_SCALE:
        raise DefinitionError(f"A scale runs from 0 to between 1 and {MAX_SCALE}.")
    if question.type is QuestionType.consent and not question.statement.strip():
        raise DefinitionError("A consent question needs the statement the client agrees to.")


def _check_condition(definition: FormDefinition, section: Section, index: int, question: Question) -> None:
    earlier = [q.key for s in definition.sections[: definition.sections.index(section)] for q in s.questions]
    earlier += [q.key for q in section.questions[:index]]
    target = definition.question(question.condition.question)
    if target is None or target.key not in earlier:
        raise DefinitionError(f"“{question.label}” can only depend on a question asked before it.")
    if target.type not in CHOOSING:
        raise DefinitionError(f"“{question.label}” can only depend on a question with choices.")
    if question.condition.equals not in {choice.value for choice in target.options()}:
        raise DefinitionError(f"“{question.label}” depends on an answer “{target.label}” does not offer.")


def _check_scoring(definition: FormDefinition) -> None:
    for key in definition.scoring.items:
        question = definition.question(key)
        if question is None or not any(choice.score is not None for choice in question.options()):
            raise DefinitionError(f"The score counts “{key}”, which is not a scored question.")
    # Every total the items can add up to must fall in exactly one band, or scoring an answer would fail.
    scoring = definition.scoring
    highest = sum(
        max(choice.score or 0 for choice in definition.question(key).options()) for key in scoring.items
    )
    bands = scoring.bands
    if (
        not bands
        or bands[0].low != 0
        or bands[-1].high != highest
        or any(band.low > band.high for band in bands)
        or any(later.low != earlier.high + 1 for earlier, later in zip(bands, bands[1:]))
    ):
        raise DefinitionError(f"The {scoring.name} bands must run from 0 to {highest} without gaps or overlaps.")


# --- JSON ---------------------------------------------------------------------------------


def to_json(definition: FormDefinition) -> str:
    return json.dumps(_plain(definition), ensure_ascii=False, separators=(",", ":"))


def from_json(text: str) -> FormDefinition:
    return _definition(json.loads(text))


def _plain(value):
    """Dataclasses to dicts, enums to their values, leaving out what is at its default."""
    if isinstance(value, enum.Enum):
        return value.value if not isinstance(value, Attention) else value.name
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        out = {}
        for name, spec in value.__dataclass_fields__.items():
            item = getattr(value, name)
            if spec.default is MISSING or item != spec.default:
                out[name] = _plain(item)
        return out
    return value


def _definition(data: dict) -> FormDefinition:
    scoring = data.get("scoring")
    return FormDefinition(
        title=data["title"],
        intro=data.get("intro", ""),
        sections=tuple(_section(item) for item in data.get("sections", ())),
        scoring=None if scoring is None else Scoring(
            name=scoring["name"],
            items=tuple(scoring["items"]),
            bands=tuple(Band(**band) for band in scoring["bands"]),
            citation=scoring["citation"],
        ),
    )


def _section(data: dict) -> Section:
    return Section(
        key=data["key"],
        title=data["title"],
        intro=data.get("intro", ""),
        questions=tuple(_question(item) for item in data.get("questions", ())),
    )


def _question(data: dict) -> Question:
    values = dict(data)
    values["type"] = QuestionType(values["type"])
    values["choices"] = tuple(Choice(**choice) for choice in values.get("choices", ()))
    if values.get("condition") is not None:
        values["condition"] = Condition(**values["condition"])
    if values.get("flag") is not None:
        flag = dict(values["flag"])
        flag["level"] = Attention[flag["level"]]
        flag["values"] = tuple(flag.get("values", ()))
        values["flag"] = Flag(**flag)
    return Question(**values)


# --- editing ------------------------------------------------------------------------------


def with_section(definition: FormDefinition, section: Section) -> FormDefinition:
    """The definition with `section` replacing the one of the same key, or added at the end."""
    if definition.section(section.key) is None:
        return replace(definition, sections=definition.sections + (section,))
    return replace(definition, sections=tuple(section if s.key == section.key else s for s in definition.sections))


def without_section(definition: FormDefinition, key: str) -> FormDefinition:
    return replace(definition, sections=tuple(s for s in definition.sections if s.key != key))


def with_question(definition: FormDefinition, section_key: str, question: Question) -> FormDefinition:
    """The definition with `question` replacing the one of the same key, or added at the end of the section."""
    section = definition.section(section_key)
    if section is None:
        raise DefinitionError("That section is not in this form.")
    if any(q.key == question.key for q in section.questions):
        questions = tuple(question if q.key == question.key else q for q in section.questions)
    else:
        questions = section.questions + (question,)
    return with_section(definition, replace(section, questions=questions))


def without_question(definition: FormDefinition, key: str) -> FormDefinition:
    """The definition without question `key`; refused while another question depends on it or the score counts it."""
    dependants = [q.label for q in definition.questions() if q.condition and q.condition.question == key]
    if dependants:
        raise DefinitionError(f"“{dependants[0]}” is shown only after this question: change that first.")
    if definition.scoring is not None and key in definition.scoring.items:
        raise DefinitionError(f"The {definition.scoring.name} score counts this question, so it stays.")
    return replace(
        definition,
        sections=tuple(replace(s, questions=tuple(q for q in s.questions if q.key != key)) for s in definition.sections),
    )


def moved(items: tuple, key: str, step: int) -> tuple:
    """`items` (sections or questions) with the one keyed `key` moved `step` places, within bounds."""
    keys = [item.key for item in items]
    if key not in keys:
        return items
    old = keys.index(key)
    new = min(max(old + step, 0), len(items) - 1)
    reordered = list(items)
    reordered.insert(new, reordered.pop(old))
    return tuple(reordered)


def fresh_key(definition: FormDefinition, base: str) -> str:
    """A key not yet used in the definition, made from `base` ("q" → "q_3")."""
    stem = re.sub(r"[^a-z0-9_]", "_", base.lower())[:30].strip("_") or "q"
    if not stem[0].isalpha():
        stem = f"q_{stem}"
    used, n = definition.keys(), 1
    while f"{stem}_{n}" in used:
        n += 1
    return f"{stem}_{n}"
