"""Forms for signing up, logging in and editing the practice profile."""
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional, Regexp

from practice.accounts.service import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from practice.timeformats import known_timezones

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z"
_TOO_LONG = "Please keep this under %(max)d characters."


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def timezone_choices() -> list[SelectChoice]:
    return [SelectChoice(name, name.replace("_", " ")) for name in sorted(known_timezones())]


class PracticeFieldsForm(FlaskForm):
    """The fields a practitioner fills in at sign-up and edits later on the profile."""

    name = StringField("Your name", [InputRequired("Please tell us your name."), Length(max=120, message=_TOO_LONG)], filters=[_strip])
    practice_name = StringField(
        "Practice name", [InputRequired("Please give your practice a name."), Length(max=120, message=_TOO_LONG)], filters=[_strip]
    )
    slug = StringField(
        "Web address for your booking page",
        [
            InputRequired("Please choose a web address."),
            Length(min=2, max=60, message="Please use between 2 and 60 characters."),
            Regexp(SLUG_PATTERN, message="Please use only lowercase letters, digits and single hyphens between them."),
        ],
        filters=[_strip, _lower],
    )
    # Unknown zones are refused by accounts.service with a friendlier message than WTForms'.
    timezone = SelectField("Timezone", validate_choice=False, default="Europe/London")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()


class SignupForm(PracticeFieldsForm):
    email = EmailField(
        "Email",
        [InputRequired("Please give your email address."), Length(max=254, message=_TOO_LONG), Email("That email address doesn't look right.")],
        filters=[_strip],
    )
    password = PasswordField(
        "Password",
        [
            InputRequired("Please choose a password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=f"Please use at least {MIN_PASSWORD_LENGTH} characters.",
            ),
        ],
    )


class ProfileForm(PracticeFieldsForm):
    bio = TextAreaField("A short introduction", [Length(max=2000, message="Please keep this under 2,000 characters.")], filters=[_strip])
    contact_email = EmailField(
        "Contact email for clients (optional)",
        [Optional(), Length(max=254, message=_TOO_LONG), Email("That email address doesn't look right.")],
        filters=[_strip],
    )


class LoginForm(FlaskForm):
    # No format checks here: every failed login gets the same message.
    email = EmailField("Email", [InputRequired(), Length(max=254)], filters=[_strip])
    password = PasswordField("Password", [InputRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    next = HiddenField()
