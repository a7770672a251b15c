"""The client's forms: their details when booking, and changing them afterwards; the rules themselves live in the services."""
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, SelectChoice, StringField, TelField, TextAreaField
from wtforms.validators import InputRequired, Length

from practice.booking.service import FIELD_LIMITS
from practice.clients.models import CONTACT_PREFERENCE_LABELS, ContactPreference


def _limit(field: str) -> Length:
    # The validators only give the fields their HTML limits (maxlength, required): the views never
    # call validate(); booking.service and booking.details_change check what was sent and say what is wrong.
    return Length(max=FIELD_LIMITS[field])


class ClientForm(FlaskForm):
    """A form a client fills in, whose problems a service names field by field."""

    @property
    def has_errors(self) -> bool:
        """Whether any field has a problem to show (the page's title then starts with "Error: ")."""
        return any(field.errors for field in self)

    def show_errors(self, field_errors: dict[str, str]) -> None:
        for name, message in field_errors.items():
            field = getattr(self, name, None)
            if field is not None:
                field.errors = [message]


class ClientDetailsForm(ClientForm):
    # Labels are lazy: the form class is built once, at import; each page reads them in its language.
    name = StringField(lazy_gettext("Your name"), [InputRequired(), _limit("name")])
    preferred_name = StringField(lazy_gettext("Preferred name (optional)"), [_limit("preferred_name")])
    pronouns = StringField(lazy_gettext("Pronouns (optional)"), [_limit("pronouns")])
    email = EmailField(lazy_gettext("Email"), [InputRequired(), _limit("email")])
    phone = TelField(lazy_gettext("Phone (optional)"), [_limit("phone")])
    note = TextAreaField(lazy_gettext("Anything you'd like us to know (optional)"), [_limit("note")])
    start = HiddenField()
    timezone = HiddenField()
    #: Random per confirm page: the same confirmation sent twice books once.
    submission = HiddenField()


class ChangeDetailsForm(ClientForm):
    """What a client may change by their manage link: never their name on the booking nor their email.

    The fields they share with booking are booking's own, with its labels and limits.
    """

    preferred_name = ClientDetailsForm.preferred_name
    pronouns = ClientDetailsForm.pronouns
    phone = ClientDetailsForm.phone
    contact_preference = RadioField(
        lazy_gettext("How may we contact you?"),
        choices=[SelectChoice(preference.value, label) for preference, label in CONTACT_PREFERENCE_LABELS.items()],
        default=ContactPreference.email_only.value,
    )
    note = ClientDetailsForm.note

    @classmethod
    def for_booking(cls, booking) -> "ChangeDetailsForm":
        """The form filled in with what the practice holds now."""
        client = booking.client
        return cls(
            formdata=None,
            preferred_name=client.preferred_name,
            pronouns=client.pronouns,
            phone=client.phone,
            contact_preference=client.contact_preference.value,
            note=booking.client_note,
        )


class RescheduleForm(FlaskForm):
    """The new time a client chose, carried from the confirm step to the change itself."""

    start = HiddenField()
    timezone = HiddenField()
