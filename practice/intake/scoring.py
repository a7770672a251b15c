"""Screener scores: the sum of the items' published answer scores, placed in the published bands. Pure."""
from dataclasses import dataclass

from practice.intake.definitions import DECLINED, Band, FormDefinition


@dataclass(frozen=True)
class Score:
    name: str
    total: int
    #: How many of the scored items were answered (not skipped, not "prefer not to say").
    answered: int
    items: int
    max_score: int
    #: The band of the total; for an incomplete screener, the band the answered items reach at least.
    band: Band
    citation: str

    @property
    def complete(self) -> bool:
        return self.answered == self.items

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "total": self.total,
            "answered": self.answered,
            "items": self.items,
            "max_score": self.max_score,
            "band": self.band.label,
            "complete": self.complete,
        }


def band_for(bands: tuple[Band, ...], total: int) -> Band:
    for band in bands:
        if band.low <= total <= band.high:
            return band
    raise ValueError(f"no band holds {total}")


def score(definition: FormDefinition, answers: dict) -> Score | None:
    """The form's score, or None for a form that is not a screener."""
    scoring = definition.scoring
    if scoring is None:
        return None
    total = answered = 0
    for key in scoring.items:
        points = _points(definition, key, answers.get(key))
        if points is not None:
            total += points
            answered += 1
    return Score(
        name=scoring.name,
        total=total,
        answered=answered,
        items=len(scoring.items),
        max_score=scoring.max_score,
        band=band_for(scoring.bands, total),
        citation=scoring.citation,
    )


def _points(definition: FormDefinition, key: str, answer) -> int | None:
    if answer is None or answer == DECLINED or not isinstance(answer, str):
        return None
    question = definition.question(key)
    chosen = next((choice for choice in question.options() if choice.value == answer), None)
    return None if chosen is None else chosen.score
