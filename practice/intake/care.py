"""Care rules: which answers flag a booking for the practitioner, and whether the client sees crisis resources. Pure."""
from dataclasses import dataclass
from datetime import date

from practice.intake.answers import Answer, is_shown
from practice.intake.definitions import DECLINED, Attention, FormDefinition, Question


@dataclass(frozen=True)
class RaisedFlag:
    level: Attention
    reason: str
    shows_crisis_resources: bool


def raised_flags(definition: FormDefinition, answers: dict[str, Answer], *, session_day: date) -> list[RaisedFlag]:
    """The flags the answers raise, in the order of the form. Only questions still shown count."""
    raised = []
    for question in definition.questions():
        if question.flag is not None and is_shown(question, answers) and _raises(question, answers.get(question.key), session_day):
            raised.append(RaisedFlag(question.flag.level, question.flag.reason, question.flag.shows_crisis_resources))
    return raised


def attention_of(flags: list[RaisedFlag]) -> Attention:
    return max((flag.level for flag in flags), default=Attention.none)


def _raises(question: Question, answer: Answer | None, session_day: date) -> bool:
    if answer is None or answer == DECLINED:
        return False
    flag = question.flag
    if flag.within_days is not None:
        try:
            day = date.fromisoformat(answer)
        except (TypeError, ValueError):
            return False
        # A procedure on or shortly before the session's day: the tissue may not have healed.
        return 0 <= (session_day - day).days <= flag.within_days
    if isinstance(answer, list):
        return any(value in flag.values for value in answer)
    return answer in flag.values
