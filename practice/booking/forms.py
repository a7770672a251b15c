"""The client's details form; the rules themselves live in booking.service."""
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, StringField, TelField, TextAreaField


class ClientDetailsForm(FlaskForm):
    name = StringField("Your name")
    preferred_name = StringField("Preferred name (optional)")
    pronouns = StringField("Pronouns (optional)")
    email = EmailField("Email")
    phone = TelField("Phone (optional)")
    note = TextAreaField("Anything you'd like us to know (optional)")
    start = HiddenField()
    timezone = HiddenField()
    #: Random per confirm page: the same confirmation sent twice books once.
    submission = HiddenField()

    def show_errors(self, field_errors: dict[str, str]) -> None:
        for name, message in field_errors.items():
            field = getattr(self, name, None)
            if field is not None:
                field.errors = [message]


class RescheduleForm(FlaskForm):
    """The new time a client chose, carried from the confirm step to the change itself."""

    start = HiddenField()
    timezone = HiddenField()
