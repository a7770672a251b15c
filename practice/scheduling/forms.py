"""Forms for the availability pages; scheduling.service decides what is allowed."""
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.validators import InputRequired, Optional

from practice.catalog.forms import strip_whitespace
from practice.scheduling.service import WEEKDAYS

TIME_FORMATS = ["%H:%M", "%H:%M:%S"]
TIME_MESSAGE = "Please enter a time like 09:00."


def _time(label: str, *validators) -> TimeField:
    return TimeField(label, list(validators), format=TIME_FORMATS, invalid_value_message=TIME_MESSAGE)


def _local_datetime(label: str) -> DateTimeLocalField:
    return DateTimeLocalField(
        label,
        [InputRequired("Please enter a date and time.")],
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        invalid_value_message="Please enter a date and time like 2026-12-24 09:00.",
    )


class WeeklyRangeForm(FlaskForm):
    weekday = SelectField(
        "Day",
        choices=[SelectChoice(str(number), name) for number, name in enumerate(WEEKDAYS)],
        coerce=int,
        invalid_value_message="Please choose a day of the week.",
        invalid_choice_message="Please choose a day of the week.",
    )
    start = _time("From", InputRequired("Please enter the time you start."))
    end = _time("To", InputRequired("Please enter the time you finish."))


def _day() -> DateField:
    return DateField(
        "Date", [InputRequired("Please choose a date.")], invalid_value_message="Please enter a date like 2026-12-24."
    )


class OverrideForm(FlaskForm):
    day = _day()
    kind = RadioField(
        "That day",
        choices=[SelectChoice("closed", "Closed all day"), SelectChoice("hours", "Open at these hours instead")],
        default="closed",
    )
    # Only needed when the day is open at other hours: see validate().
    start = _time("From", Optional())
    end = _time("To", Optional())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.kind.data == "hours":
            missing = [
                (self.start, "Please enter the time you start that day."),
                (self.end, "Please enter the time you finish that day."),
            ]
            for field, message in missing:
                if field.data is None and not field.errors:
                    field.errors.append(message)
                    valid = False
        return valid


class TimeOffForm(FlaskForm):
    starts = _local_datetime("From")
    ends = _local_datetime("Until")
    note = StringField("Note for yourself (optional)", filters=[strip_whitespace])


class OwnHoursForm(FlaskForm):
    # An unticked checkbox sends nothing, which reads as False: the general hours.
    own_hours = BooleanField("Offer this service only at its own times")


class SessionForm(FlaskForm):
    """One dated session of a service: a date and the times it may start and must end by."""

    day = _day()
    start = _time("From", InputRequired("Please enter the time the session starts."))
    end = _time("Until", InputRequired("Please enter the time the session ends."))
