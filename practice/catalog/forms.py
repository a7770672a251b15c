"""The service form: it parses what was typed; catalog.service decides what is allowed."""
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.fields.choices import enum_choices, enum_coerce
from wtforms.validators import ValidationError

from practice.catalog.models import LOCATION_LABELS, LocationKind
from practice.catalog.pricing import PAYMENT_MODE_LABELS, PaymentMode
from practice.catalog.service import ServiceDetails
from practice.money import AmountError, amount_text, parse_amount


def strip_whitespace(value):
    """A WTForms filter: surrounding spaces are never what anyone meant to type."""
    return value.strip() if isinstance(value, str) else value


def _kind_value(value) -> str:
    return value.value if isinstance(value, LocationKind) else str(value)


class _RequiredWhenMissing:
    """Refuses a field left out of the request altogether (a typed-but-wrong value has its own message)."""

    missing_message = "Please fill this in."

    def pre_validate(self, form):
        if self.data is None and not self.process_errors:
            raise ValidationError(self.missing_message)


class WholeNumberField(_RequiredWhenMissing, IntegerField):
    """An integer field whose parse error reads like a person wrote it."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip()
        # The length cap keeps int() away from pathological inputs.
        if not text.isdecimal() or len(text) > 6:
            self.data = None
            raise ValueError("Please enter a whole number, like 60.")
        self.data = int(text)


class PriceField(StringField):
    """A price typed as "65.00" (or "6500" in yen), held as an integer of the currency's minor unit.

    The currency is the practice's, set on the form after it is built (ServiceForm(currency=…)),
    so the typed text is read when the form is validated rather than when it is parsed.
    """

    currency = "GBP"
    typed: str | None = None
    #: An optional amount left empty is None; a required one is refused.
    optional = False

    def process_formdata(self, valuelist):
        self.typed = valuelist[0] if valuelist else None

    def pre_validate(self, form):
        if self.typed is None and self.data is not None:
            return
        self.data = None
        if not (self.typed or "").strip():
            if self.optional:
                return
            raise ValidationError(
                f"Please enter a price, like {amount_text(6500, self.currency)}. Enter 0 for a free service."
            )
        try:
            self.data = parse_amount(self.typed, self.currency)
        except AmountError as refused:
            raise ValidationError(str(refused)) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return amount_text(self.data, self.currency) if isinstance(self.data, int) else ""


class OptionalPriceField(PriceField):
    """An amount that may be left empty; catalog.service says which payment mode needs it."""

    optional = True


class RequiredRadioField(RadioField):
    """Radio buttons whose choice must be sent: a browser always sends the checked one, so a missing choice
    is refused with `invalid_choice_message` rather than read as the default."""

    def pre_validate(self, form):
        if not self.raw_data and not self.process_errors:
            raise ValidationError(self.invalid_choice_message)
        super().pre_validate(form)


CHOOSE_PAYMENT_MODE = "Please choose how this service is paid."
#: The service's columns whose form fields are named differently, for the edit form to load.
STORED_AS = {
    "price": "price_cents",
    "deposit": "deposit_cents",
    "sliding_min": "sliding_min_cents",
    "sliding_max": "sliding_max_cents",
}


class ServiceForm(FlaskForm):
    name = StringField("Name", filters=[strip_whitespace])
    description = TextAreaField("Description (optional)", filters=[strip_whitespace])
    content_note = TextAreaField("Content note (optional)", filters=[strip_whitespace])
    what_to_expect = TextAreaField("What to expect (optional)", filters=[strip_whitespace])
    duration_minutes = WholeNumberField("Length of a session, in minutes", default=60)
    price = PriceField("Price", render_kw={"inputmode": "decimal"})
    payment_mode = RequiredRadioField(
        "How clients pay",
        choices=enum_choices(PaymentMode, label=PAYMENT_MODE_LABELS.__getitem__),
        coerce=enum_coerce(PaymentMode),
        default=PaymentMode.at_visit,
        invalid_value_message=CHOOSE_PAYMENT_MODE,
        invalid_choice_message=CHOOSE_PAYMENT_MODE,
    )
    deposit = OptionalPriceField("Deposit paid online", render_kw={"inputmode": "decimal"})
    sliding_min = OptionalPriceField("Lowest amount a client can choose", render_kw={"inputmode": "decimal"})
    sliding_max = OptionalPriceField("Highest amount a client can choose", render_kw={"inputmode": "decimal"})
    location_kind = SelectField(
        "Where it happens",
        choices=[SelectChoice(kind.value, label) for kind, label in LOCATION_LABELS.items()],
        coerce=_kind_value,
        invalid_choice_message="Please choose in person, video or phone.",
        default=LocationKind.in_person.value,
    )
    location_detail = StringField("Address, video link or phone details", filters=[strip_whitespace])
    capacity = WholeNumberField("How many people per session", default=1)
    buffer_before_minutes = WholeNumberField("Free time before, in minutes", default=0)
    buffer_after_minutes = WholeNumberField("Free time after, in minutes", default=0)
    slot_step_minutes = WholeNumberField("Offer a start time every … minutes", default=30)

    def __init__(self, *args, currency: str = "GBP", **kwargs):
        if (found := kwargs.get("obj")) is not None:
            kwargs = {**{field: getattr(found, column) for field, column in STORED_AS.items()}, **kwargs}
        super().__init__(*args, **kwargs)
        for amount in (self.price, self.deposit, self.sliding_min, self.sliding_max):
            amount.currency = currency

    def details(self) -> ServiceDetails:
        return ServiceDetails(
            name=self.name.data or "",
            description=self.description.data or "",
            content_note=self.content_note.data or "",
            what_to_expect=self.what_to_expect.data or "",
            duration_minutes=self.duration_minutes.data,
            price_cents=self.price.data,
            location_kind=LocationKind(self.location_kind.data),
            location_detail=self.location_detail.data or "",
            buffer_before_minutes=self.buffer_before_minutes.data,
            buffer_after_minutes=self.buffer_after_minutes.data,
            capacity=self.capacity.data,
            slot_step_minutes=self.slot_step_minutes.data,
            payment_mode=self.payment_mode.data,
            deposit_cents=self.deposit.data,
            sliding_min_cents=self.sliding_min.data,
            sliding_max_cents=self.sliding_max.data,
        )

    def show_errors(self, field_errors: dict[str, str]) -> None:
        for name, message in field_errors.items():
            self[name].errors = [message]
