"""Forms for signing up, logging in, resetting a password and editing the practice profile."""
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    ColorField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, Regexp

from practice.accounts.service import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from practice.notifications.addresses import ReachableAddress
from practice.timeformats import known_timezones

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z"
_TOO_LONG = "Please keep this under %(max)d characters."


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _lower(value):
    return value.lower() if isinstance(value, str) else value


#: Offered reminder times; any whole number of hours from 1 to 168 is kept if already set.
REMINDER_CHOICES = [
    ("off", "No reminder emails"),
    ("1", "1 hour before"),
    ("2", "2 hours before"),
    ("3", "3 hours before"),
    ("6", "6 hours before"),
    ("12", "12 hours before"),
    ("24", "1 day before"),
    ("48", "2 days before"),
    ("72", "3 days before"),
    ("168", "1 week before"),
]


def _hours_or_off(value) -> int | None:
    if value is None or value == "off":
        return None
    return int(value)


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


class PracticeSettingsForm(FlaskForm):
    """Reminders, the cancellation window and how emails look.

    A field missing from a submission keeps its saved value (the checkbox aside, which HTML
    sends only when ticked); the ranges are checked by accounts.service.
    """

    reminder_hours = SelectField(
        "Reminder email to clients",
        coerce=_hours_or_off,
        validate_choice=False,
        invalid_value_message="Please choose a reminder time from the list.",
    )
    cancellation_window_hours = IntegerField(
        "Hours before a session that clients can still reschedule or cancel online",
        invalid_value_message="Please enter a whole number of hours, like 24.",
        render_kw={"min": 0, "max": 336, "step": 1, "inputmode": "numeric"},
    )
    show_service_in_emails = BooleanField("Name the service in email subjects and calendars")
    accent_colour = ColorField("Accent colour for emails", filters=[_strip, _lower])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reminder_hours.choices = _reminder_choices(self.reminder_hours.data)


def _reminder_choices(current: int | None) -> list[tuple[str, str]]:
    offered = {value for value, _ in REMINDER_CHOICES}
    if current is None or str(current) in offered:
        return REMINDER_CHOICES
    return REMINDER_CHOICES + [(str(current), f"{current} hours before")]


class SignupForm(PracticeFieldsForm):
    email = EmailField(
        "Email",
        [
            InputRequired("Please give your email address."),
            Length(max=254, message=_TOO_LONG),
            ReachableAddress(),
            Email("That email address doesn't look right."),
        ],
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


class ProfileForm(PracticeFieldsForm, PracticeSettingsForm):
    bio = TextAreaField("A short introduction", [Length(max=2000, message="Please keep this under 2,000 characters.")], filters=[_strip])
    contact_email = EmailField(
        "Contact email for clients (optional)",
        [Optional(), Length(max=254, message=_TOO_LONG), ReachableAddress(), Email("That email address doesn't look right.")],
        filters=[_strip],
    )


class PasswordResetRequestForm(FlaskForm):
    # No format check: any address gets the same answer.
    email = EmailField(
        "Your account's email address",
        [InputRequired("Please give the email address you log in with."), Length(max=254, message=_TOO_LONG)],
        filters=[_strip],
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        [
            InputRequired("Please choose a new password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=f"Please use at least {MIN_PASSWORD_LENGTH} characters.",
            ),
        ],
    )
    confirm = PasswordField(
        "Type it again",
        [InputRequired("Please type the new password again."), EqualTo("password", "The two passwords don't match. Please type them again.")],
    )


class LoginForm(FlaskForm):
    # No format checks here: every failed login gets the same message.
    email = EmailField("Email", [InputRequired(), Length(max=254)], filters=[_strip])
    password = PasswordField("Password", [InputRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    next = HiddenField()
