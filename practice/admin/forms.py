"""The practitioner's forms for changing a booking; the rules themselves live in booking.service."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField

from practice.booking.service import MESSAGE_LIMIT


class CancelForm(FlaskForm):
    message = TextAreaField(
        "A message to the client (optional)", render_kw={"maxlength": MESSAGE_LIMIT, "rows": 4}
    )

    def show_errors(self, field_errors: dict[str, str]) -> None:
        for name, message in field_errors.items():
            field = getattr(self, name, None)
            if field is not None:
                field.errors = [message]


class RescheduleForm(CancelForm):
    """The new time chosen from the engine's free times, and an optional note to the client."""

    start = HiddenField()
    timezone = HiddenField()
