"""The forms a practitioner adds with one click and then edits as their own."""
from dataclasses import dataclass

from practice.intake.definitions import FormDefinition
from practice.intake.starter_forms import grief, massage, screeners


@dataclass(frozen=True)
class StarterForm:
    key: str
    name: str
    #: One sentence for the "Add from a template" list.
    summary: str
    definition: FormDefinition


STARTER_FORMS: dict[str, StarterForm] = {
    form.key: form
    for form in (
        StarterForm("grief", grief.NAME, grief.SUMMARY, grief.FORM),
        StarterForm("massage", massage.NAME, massage.SUMMARY, massage.FORM),
        StarterForm("epds", screeners.EPDS_NAME, screeners.EPDS_SUMMARY, screeners.EPDS),
        StarterForm("phq9", screeners.PHQ9_NAME, screeners.PHQ9_SUMMARY, screeners.PHQ9),
        StarterForm("gad7", screeners.GAD7_NAME, screeners.GAD7_SUMMARY, screeners.GAD7),
    )
}
