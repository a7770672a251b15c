"""The practice's own settings: its name and address, booking policies, how emails look, crisis resources."""
import re
from dataclasses import dataclass, fields, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from practice.accounts.models import DEFAULT_CRISIS_RESOURCES, Practice
from practice.accounts.service import AccountError, slug_errors
from practice.email_addresses import address_problem
from practice.extensions import begin_write_transaction, db
from practice.money import CURRENCY_SYMBOLS
from practice.security import audit
from practice.security.audit import Actor
from practice.security.models import AuditAction
from practice.timeformats import is_known_timezone

REMINDER_HOURS = range(1, 169)
CANCELLATION_WINDOW_HOURS = range(0, 337)
FULL_REFUND_HOURS = range(0, 337)
KEEP_PERCENT = range(0, 101)
CANCEL_GRACE_MINUTES = range(0, 121)
MAX_ACTIVE_BOOKINGS = range(0, 51)
MAX_MIN_NOTICE_MINUTES = 30 * 24 * 60
MAX_ADVANCE_DAYS = 2 * 366
RETENTION_YEARS = range(1, 31)
CURRENCIES = tuple(CURRENCY_SYMBOLS)
HEX_COLOUR = re.compile(r"#[0-9a-f]{6}\Z")
#: WCAG AA for normal text: emails put white text on the accent colour.
MIN_CONTRAST_WITH_WHITE = 4.5
CRISIS_TEXT_LIMIT = 2000
ADDRESS_LIMIT = 500


@dataclass(frozen=True)
class PracticeSettings:
    """Everything the owner sets for the practice as a whole."""

    name: str
    slug: str
    timezone: str
    contact_email: str = ""
    address: str = ""
    accent_colour: str = "#2f6b5a"
    min_notice_minutes: int = 12 * 60
    max_advance_days: int = 60
    cancellation_window_hours: int = 24
    #: None sends no reminders.
    reminder_hours: int | None = 24
    discreet_emails: bool = True
    crisis_resources: str = ""
    retention_years: int = 7
    currency: str = "GBP"
    #: A client who cancels at least this many hours before is refunded in full.
    full_refund_hours: int = 48
    #: Cancelled later, the share of what was paid that the practice keeps; 100 keeps a deposit whole.
    late_cancel_keep_percent: int = 100
    #: A client may cancel this many minutes after booking, whatever the window; 0 gives no grace.
    cancel_grace_minutes: int = 30
    exact_group_places: bool = False
    #: Upcoming bookings one address may make online; 0 sets no limit.
    max_active_bookings_per_email: int = 3
    confirm_new_client_email: bool = False


def settings_of(practice: Practice) -> PracticeSettings:
    """The settings as the owner edits them: the crisis text shown in full, even while it is the default."""
    settings = PracticeSettings(**{field.name: getattr(practice, field.name) for field in fields(PracticeSettings)})
    return replace(settings, crisis_resources=practice.crisis_text)


def update_settings(practice_id: int, settings: PracticeSettings, *, actor: Actor, now: datetime) -> Practice:
    """Save the practice's settings, or raise AccountError naming every field and change nothing.

    The audit trail records which settings changed, never what they were changed to.
    """
    settings = _tidied(settings)
    errors = settings_errors(settings)
    if errors:
        raise AccountError(errors)
    begin_write_transaction()
    if db.session.scalar(select(Practice.id).where(Practice.slug == settings.slug, Practice.id != practice_id)):
        db.session.rollback()
        raise AccountError({"slug": "Another practice already uses that web address. Please choose another."})
    practice = db.session.get(Practice, practice_id)
    changed = [field.name for field in fields(PracticeSettings) if getattr(practice, field.name) != getattr(settings, field.name)]
    for name in changed:
        setattr(practice, name, getattr(settings, name))
    if changed:
        audit.record(
            AuditAction.settings_changed, actor=actor, now=now, object_type="practice", object_id=practice_id,
            detail=", ".join(changed),
        )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AccountError({"slug": "That web address was just taken. Please choose another."}) from None
    return practice


def settings_errors(settings: PracticeSettings) -> dict[str, str]:
    """Every problem with `settings`, by field name; empty when they can be saved."""
    errors = {}
    if not settings.name:
        errors["name"] = "Please give your practice a name."
    elif len(settings.name) > 120:
        errors["name"] = "Please keep this under 120 characters."
    if message := slug_errors(settings.slug):
        errors["slug"] = message
    if not is_known_timezone(settings.timezone):
        errors["timezone"] = "Please choose a timezone from the list."
    if settings.contact_email and (problem := address_problem(settings.contact_email)):
        errors["contact_email"] = problem
    if len(settings.address) > ADDRESS_LIMIT:
        errors["address"] = f"Please keep this under {ADDRESS_LIMIT} characters."
    errors |= _colour_errors(settings.accent_colour)
    errors |= _window_errors(settings.min_notice_minutes, settings.max_advance_days)
    if settings.reminder_hours is not None and settings.reminder_hours not in REMINDER_HOURS:
        errors["reminder_hours"] = "Please choose a reminder between 1 hour and 1 week (168 hours) before, or no reminders."
    if settings.cancellation_window_hours is None or settings.cancellation_window_hours not in CANCELLATION_WINDOW_HOURS:
        errors["cancellation_window_hours"] = "Please enter a whole number of hours from 0 to 336 (two weeks)."
    if len(settings.crisis_resources) > CRISIS_TEXT_LIMIT:
        errors["crisis_resources"] = f"Please keep this under {CRISIS_TEXT_LIMIT:,} characters."
    if settings.retention_years is None or settings.retention_years not in RETENTION_YEARS:
        errors["retention_years"] = "Please choose from 1 to 30 years."
    if settings.currency not in CURRENCIES:
        errors["currency"] = "Please choose a currency from the list."
    errors |= _refund_errors(settings.full_refund_hours, settings.late_cancel_keep_percent)
    if settings.cancel_grace_minutes is None or settings.cancel_grace_minutes not in CANCEL_GRACE_MINUTES:
        errors["cancel_grace_minutes"] = "Please enter a whole number of minutes from 0 to 120."
    if settings.max_active_bookings_per_email is None or settings.max_active_bookings_per_email not in MAX_ACTIVE_BOOKINGS:
        errors["max_active_bookings_per_email"] = "Please enter a whole number from 0 (no limit) to 50."
    return errors


def contrast_with_white(colour: str) -> float:
    """The WCAG contrast ratio of a #rrggbb colour against white, from 1 to 21."""
    return 1.05 / (_relative_luminance(colour) + 0.05)


def _tidied(settings: PracticeSettings) -> PracticeSettings:
    crisis = settings.crisis_resources.replace("\r\n", "\n").strip()
    # Keeping the default as "" lets a better default reach every practice that never wrote its own.
    if crisis == DEFAULT_CRISIS_RESOURCES:
        crisis = ""
    return replace(settings, crisis_resources=crisis, accent_colour=(settings.accent_colour or "").lower())


def _colour_errors(colour: str) -> dict[str, str]:
    if not HEX_COLOUR.match(colour or ""):
        return {"accent_colour": "Please give a colour as # and six hex digits, like #2f6b5a."}
    ratio = contrast_with_white(colour)
    if ratio < MIN_CONTRAST_WITH_WHITE:
        return {
            "accent_colour": (
                f"That colour is too light for white button text to be read easily (contrast {ratio:.1f}:1; "
                f"it needs at least {MIN_CONTRAST_WITH_WHITE}:1). Please choose a darker shade."
            )
        }
    return {}


def _window_errors(min_notice_minutes: int | None, max_advance_days: int | None) -> dict[str, str]:
    errors = {}
    if min_notice_minutes is None or not 0 <= min_notice_minutes <= MAX_MIN_NOTICE_MINUTES:
        errors["min_notice_minutes"] = f"Please choose from 0 to {MAX_MIN_NOTICE_MINUTES:,} minutes (30 days)."
    if max_advance_days is None or not 1 <= max_advance_days <= MAX_ADVANCE_DAYS:
        errors["max_advance_days"] = f"Please choose from 1 to {MAX_ADVANCE_DAYS} days."
    elif not errors and min_notice_minutes >= max_advance_days * 24 * 60:
        errors["min_notice_minutes"] = "The notice you need must be shorter than how far ahead clients can book."
    return errors


def _refund_errors(full_refund_hours: int | None, keep_percent: int | None) -> dict[str, str]:
    errors = {}
    if full_refund_hours is None or full_refund_hours not in FULL_REFUND_HOURS:
        errors["full_refund_hours"] = "Please enter a whole number of hours from 0 to 336 (two weeks)."
    if keep_percent is None or keep_percent not in KEEP_PERCENT:
        errors["late_cancel_keep_percent"] = "Please enter a whole number from 0 to 100."
    return errors


def _relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
