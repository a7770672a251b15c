"""The form builder's forms: they parse what the practitioner typed; intake.editing turns it into questions."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, ValidationError

from practice.catalog.forms import WholeNumberField, strip_whitespace
from practice.intake import editing
from practice.intake.definitions import MAX_LABEL, MAX_SCALE, MAX_TEXT, Question, QuestionType
from practice.intake.editing import QuestionDraft

MAX_TITLE = 200


def _filled(message: str):
    def check(form, field):
        if not field.data:
            raise ValidationError(message)

    return check


class NewFormForm(FlaskForm):
    """A blank form with its title, or a copy of a starter template (one button each)."""

    template = HiddenField()
    title = StringField(
        "Title of the new form",
        default="",
        filters=[strip_whitespace],
        validators=[Length(max=MAX_TITLE, message=f"Please keep the title to {MAX_TITLE} characters.")],
    )

    def validate_title(self, field):
        if not self.template.data and not field.data:
            raise ValidationError("Please give the new form a title.")


def _title_field(label: str, missing: str) -> StringField:
    return StringField(
        label,
        default="",
        filters=[strip_whitespace],
        validators=[_filled(missing), Length(max=MAX_TITLE, message=f"Please keep the title to {MAX_TITLE} characters.")],
    )


def _intro_field() -> TextAreaField:
    return TextAreaField(
        "Introduction (optional)",
        default="",
        filters=[strip_whitespace],
        validators=[Length(max=MAX_TEXT, message=f"Please keep the introduction to {MAX_TEXT:,} characters.")],
    )


class DetailsForm(FlaskForm):
    title = _title_field("Title", "Please give the form a title.")
    intro = _intro_field()


class SectionForm(FlaskForm):
    title = _title_field("Section title", "Please give the section a title.")
    intro = _intro_field()


#: The fields each type of question uses, besides its wording and condition.
FIELDS_OF_TYPE = {
    QuestionType.short_text: ("help", "required", "allow_decline"),
    QuestionType.long_text: ("help", "required", "allow_decline"),
    QuestionType.single_choice: ("help", "required", "allow_decline", "choices"),
    QuestionType.multiple_choice: ("help", "required", "allow_decline", "choices"),
    QuestionType.yes_no: ("help", "required", "allow_decline"),
    QuestionType.scale: ("help", "required", "allow_decline", "scale_max", "min_label", "max_label"),
    QuestionType.date: ("help", "required", "allow_decline"),
    QuestionType.number: ("help", "required", "allow_decline"),
    # "Prefer not to say" is no answer to a statement one agrees to or not.
    QuestionType.consent: ("help", "required", "statement"),
    QuestionType.information: (),
}
OPTIONAL_FIELDS = ("help", "required", "allow_decline", "choices", "scale_max", "min_label", "max_label", "statement")


class QuestionForm(FlaskForm):
    """One question of a given type; built with QuestionForm(question_type=…, condition_choices=…)."""

    label = TextAreaField(
        "Wording",
        default="",
        filters=[strip_whitespace],
        validators=[_filled("Please write the question.")],
    )
    help = TextAreaField(
        "Help text (optional)",
        default="",
        filters=[strip_whitespace],
        validators=[Length(max=MAX_LABEL, message=f"Please keep the help text to {MAX_LABEL} characters.")],
    )
    required = BooleanField("Clients must answer it")
    allow_decline = BooleanField("Offer “Prefer not to say”")
    choices = TextAreaField("Answers, one a line", default="", validators=[_filled("Please give the answers, one a line.")])
    scale_max = WholeNumberField(
        "Highest number on the scale",
        default=10,
        validators=[NumberRange(1, MAX_SCALE, message=f"A scale runs from 0 to a number from 1 to {MAX_SCALE}.")],
    )
    min_label = StringField(
        "Words at 0 (optional)",
        default="",
        filters=[strip_whitespace],
        validators=[Length(max=MAX_LABEL, message=f"Please keep these words to {MAX_LABEL} characters.")],
    )
    max_label = StringField(
        "Words at the highest number (optional)",
        default="",
        filters=[strip_whitespace],
        validators=[Length(max=MAX_LABEL, message=f"Please keep these words to {MAX_LABEL} characters.")],
    )
    statement = TextAreaField(
        "Statement the client agrees to",
        default="",
        filters=[strip_whitespace],
        validators=[
            _filled("Please write the statement the client agrees to."),
            Length(max=MAX_TEXT, message=f"Please keep the statement to {MAX_TEXT:,} characters."),
        ],
    )
    condition = SelectField(
        "Show it",
        choices=[],
        invalid_choice_message="Please choose one of the answers listed, or “Always”.",
    )

    def __init__(self, *args, question_type: QuestionType, condition_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.question_type = question_type
        for name in OPTIONAL_FIELDS:
            if name not in FIELDS_OF_TYPE[question_type]:
                del self[name]
        self.condition.choices = [("", "Always")] + [
            (value, f"Only when: {text}") for value, text in condition_choices
        ]
        limit = MAX_TEXT if question_type is QuestionType.information else MAX_LABEL
        self.label.validators = [*self.label.validators, Length(max=limit, message=f"Please keep this to {limit:,} characters.")]
        if question_type is QuestionType.information:
            self.label.label.text = "Text shown to the client"
            self.label.validators[0] = _filled("Please write the text to show.")
        elif question_type is QuestionType.consent:
            self.label.label.text = "Heading of the consent"

    def uses(self, name: str) -> bool:
        return name in self._fields

    def draft(self, old: Question | None) -> QuestionDraft:
        """What was typed; a part this type's form leaves out keeps the question's old value."""

        def typed(name: str, default):
            if self.uses(name):
                return self[name].data
            return getattr(old, name) if old is not None else default

        return QuestionDraft(
            label=self.label.data or "",
            help=typed("help", "") or "",
            required=typed("required", False),
            allow_decline=typed("allow_decline", False),
            choice_labels=tuple((self.choices.data or "").splitlines()) if self.uses("choices") else (),
            scale_max=typed("scale_max", 0) or 0,
            min_label=typed("min_label", "") or "",
            max_label=typed("max_label", "") or "",
            statement=typed("statement", "") or "",
            condition=editing.condition_from(self.condition.data or ""),
        )


def question_data(question: Question) -> dict:
    """The question as the form shows it before any change."""
    return {
        "label": question.label,
        "help": question.help,
        "required": question.required,
        "allow_decline": question.allow_decline,
        "choices": "\n".join(choice.label for choice in question.choices),
        "scale_max": question.scale_max or 10,
        "min_label": question.min_label,
        "max_label": question.max_label,
        "statement": question.statement,
        "condition": editing.condition_value(question.condition),
    }
