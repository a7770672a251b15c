"""Forms for setting up a practice, logging in, resetting a password, invitations, the profile and practice settings."""
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
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional

from practice.accounts.service import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from practice.email_addresses import ReachableAddress
from practice.money import CURRENCY_SYMBOLS
from practice.timeformats import known_timezones

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


def _email_field(label: str, required: str) -> EmailField:
    return EmailField(
        label,
        [InputRequired(required), Length(max=254, message=_TOO_LONG), ReachableAddress(), Email("That email address doesn't look right.")],
        filters=[_strip],
    )


def _new_password_field(label: str, required: str) -> PasswordField:
    return PasswordField(
        label,
        [
            InputRequired(required),
            Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH, message=f"Please use at least {MIN_PASSWORD_LENGTH} characters."),
        ],
    )


class PersonFields(FlaskForm):
    """What a practitioner says about themselves."""

    name = StringField("Your name", [InputRequired("Please tell us your name."), Length(max=120, message=_TOO_LONG)], filters=[_strip])
    profession = StringField(
        "What you do (optional)", [Length(max=120, message=_TOO_LONG)], filters=[_strip],
        description="Shown under your name, like “Massage therapist” or “Grief counselor”.",
    )


class SignupForm(PersonFields):
    practice_name = StringField(
        "Practice name", [InputRequired("Please give your practice a name."), Length(max=120, message=_TOO_LONG)], filters=[_strip]
    )
    practice_slug = StringField(
        "Web address for your practice",
        [InputRequired("Please choose a web address.")],
        filters=[_strip, _lower],
    )
    # Unknown zones are refused by accounts.service with a friendlier message than WTForms'.
    timezone = SelectField("Timezone", validate_choice=False, default="Europe/London")
    email = _email_field("Email", "Please give your email address.")
    password = _new_password_field("Password", "Please choose a password.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()


class AcceptInvitationForm(PersonFields):
    password = _new_password_field("Choose a password", "Please choose a password.")


class ProfileForm(PersonFields):
    slug = StringField("Web address for your booking page", [InputRequired("Please choose a web address.")], filters=[_strip, _lower])
    bio = TextAreaField("A short introduction", [Length(max=2000, message="Please keep this under 2,000 characters.")], filters=[_strip])


class PracticeSettingsForm(FlaskForm):
    """Everything the owner sets for the practice; the ranges are checked by accounts.practice_settings."""

    name = StringField("Practice name", [InputRequired("Please give your practice a name.")], filters=[_strip])
    slug = StringField("Web address for your practice", [InputRequired("Please choose a web address.")], filters=[_strip, _lower])
    timezone = SelectField("Timezone", validate_choice=False)
    contact_email = EmailField(
        "Contact email for clients (optional)",
        [Optional(), Length(max=254, message=_TOO_LONG), ReachableAddress(), Email("That email address doesn't look right.")],
        filters=[_strip],
    )
    address = TextAreaField("Address (optional)", filters=[_strip], render_kw={"rows": 3})
    min_notice_minutes = IntegerField(
        "Minimum notice for a booking, in minutes",
        invalid_value_message="Please enter a whole number of minutes, like 720.",
        render_kw={"min": 0, "step": 1, "inputmode": "numeric"},
    )
    max_advance_days = IntegerField(
        "How far ahead clients can book, in days",
        invalid_value_message="Please enter a whole number of days, like 60.",
        render_kw={"min": 1, "step": 1, "inputmode": "numeric"},
    )
    cancellation_window_hours = IntegerField(
        "Hours before a session that clients can still reschedule or cancel online",
        invalid_value_message="Please enter a whole number of hours, like 24.",
        render_kw={"min": 0, "max": 336, "step": 1, "inputmode": "numeric"},
    )
    reminder_hours = SelectField(
        "Reminder email to clients",
        coerce=_hours_or_off,
        validate_choice=False,
        invalid_value_message="Please choose a reminder time from the list.",
    )
    # Checked means discreet; HTML sends nothing for an unticked box, which reads as "name the service".
    discreet_emails = BooleanField("Keep emails and calendar entries discreet")
    accent_colour = ColorField("Accent colour for emails", filters=[_strip, _lower])
    crisis_resources = TextAreaField("Crisis resources", filters=[_strip], render_kw={"rows": 6})
    retention_years = IntegerField(
        "Keep client records for this many years after their last session",
        invalid_value_message="Please enter a whole number of years, like 7.",
        render_kw={"min": 1, "max": 30, "step": 1, "inputmode": "numeric"},
    )
    currency = SelectField("Currency", choices=[SelectChoice(code) for code in CURRENCY_SYMBOLS], validate_choice=False)
    full_refund_hours = IntegerField(
        "Full refund until … hours before the session",
        invalid_value_message="Please enter a whole number of hours, like 48.",
        render_kw={"min": 0, "max": 336, "step": 1, "inputmode": "numeric"},
    )
    late_cancel_keep_percent = IntegerField(
        "After that, the practice keeps … % of what was paid",
        invalid_value_message="Please enter a whole number from 0 to 100, like 100.",
        render_kw={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"},
    )
    cancel_grace_minutes = IntegerField(
        "Minutes after booking that a client can always cancel online",
        invalid_value_message="Please enter a whole number of minutes, like 30.",
        render_kw={"min": 0, "max": 120, "step": 1, "inputmode": "numeric"},
    )
    max_active_bookings_per_email = IntegerField(
        "Upcoming bookings one email address can make online",
        invalid_value_message="Please enter a whole number, like 3.",
        render_kw={"min": 0, "max": 50, "step": 1, "inputmode": "numeric"},
    )
    confirm_new_client_email = BooleanField("First-time clients confirm their email before the booking is final")
    exact_group_places = BooleanField("Show groups' exact number of places left")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()
        self.reminder_hours.choices = _reminder_choices(self.reminder_hours.data)


def _reminder_choices(current: int | None) -> list[tuple[str, str]]:
    offered = {value for value, _ in REMINDER_CHOICES}
    if current is None or str(current) in offered:
        return REMINDER_CHOICES
    return REMINDER_CHOICES + [(str(current), f"{current} hours before")]


class InvitationForm(FlaskForm):
    email = _email_field("Their email address", "Please give the address to send the invitation to.")


class PasswordResetRequestForm(FlaskForm):
    # No format check: any address gets the same answer.
    email = EmailField(
        "Your account's email address",
        [InputRequired("Please give the email address you log in with."), Length(max=254, message=_TOO_LONG)],
        filters=[_strip],
    )


class NewPasswordForm(FlaskForm):
    password = _new_password_field("New password", "Please choose a new password.")
    confirm = PasswordField(
        "Type it again",
        [InputRequired("Please type the new password again."), EqualTo("password", "The two passwords don't match. Please type them again.")],
    )


class LoginForm(FlaskForm):
    # No format checks here: every failed login gets the same message.
    email = EmailField("Email", [InputRequired(), Length(max=254)], filters=[_strip])
    password = PasswordField("Password", [InputRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    next = HiddenField()
