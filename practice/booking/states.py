"""A booking's statuses, who changes them, and the one table of moves between them. No Flask, no database."""
import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from practice.translatable import N_


class BookingStatus(enum.Enum):
    #: Kept for a client while they pay; busy for everyone else until `hold_expires_at`.
    held = "held"
    confirmed = "confirmed"
    completed = "completed"
    no_show = "no_show"
    cancelled = "cancelled"


class ChangedBy(enum.Enum):
    """Who moved or cancelled a booking (Booking.cancelled_by)."""

    client = "client"
    practitioner = "practitioner"
    #: A hold that lapsed before it was paid.
    expiry = "expiry"


class HoldReason(enum.Enum):
    """Why a booking is held rather than confirmed."""

    #: The client is paying on Stripe's page.
    payment = "payment"
    #: A first-time client is confirming their email address.
    email = "email"


class BookingEvent(enum.Enum):
    #: The payment for a held booking arrived.
    confirm = "confirm"
    cancel = "cancel"
    #: A hold's time ran out, or it was let go before it was paid.
    lapse = "lapse"
    #: A payment arrived after its hold lapsed and the time was still free (only for a lapsed hold).
    reinstate = "reinstate"
    complete = "complete"
    no_show = "no_show"


#: Every move a booking can make: (from, event) → to. Anything else is refused.
TRANSITIONS: dict[tuple[BookingStatus, BookingEvent], BookingStatus] = {
    (BookingStatus.held, BookingEvent.confirm): BookingStatus.confirmed,
    (BookingStatus.held, BookingEvent.cancel): BookingStatus.cancelled,
    (BookingStatus.held, BookingEvent.lapse): BookingStatus.cancelled,
    (BookingStatus.cancelled, BookingEvent.reinstate): BookingStatus.confirmed,
    (BookingStatus.confirmed, BookingEvent.cancel): BookingStatus.cancelled,
    (BookingStatus.confirmed, BookingEvent.complete): BookingStatus.completed,
    (BookingStatus.confirmed, BookingEvent.no_show): BookingStatus.no_show,
}

#: Statuses that occupy the practitioner's time (a hold only until it lapses).
ACTIVE_STATUSES = (BookingStatus.held, BookingStatus.confirmed)



#: In English, as the catalogue's msgids; Booking.status_label gives them in the reader's language.
STATUS_LABELS = {
    BookingStatus.held: N_("Awaiting payment"),
    BookingStatus.confirmed: N_("Confirmed"),
    BookingStatus.completed: N_("Completed"),
    BookingStatus.no_show: N_("Didn't attend"),
    BookingStatus.cancelled: N_("Cancelled"),
}


class InvalidTransition(ValueError):
    """A move the table does not allow, such as cancelling a completed session."""


def next_status(status: BookingStatus, event: BookingEvent) -> BookingStatus:
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        raise InvalidTransition(f"a {status.value} booking cannot {event.value}") from None


def can(status: BookingStatus, event: BookingEvent) -> bool:
    return (status, event) in TRANSITIONS


class ChangeWindow(enum.Enum):
    """What a client's manage link may still do with a booking."""

    #: Move or cancel freely.
    open = "open"
    #: Too close to the start: the client is shown the policy; the practitioner may still change it.
    closing = "closing"
    #: Under way or over: nobody changes it.
    started = "started"
    #: Cancelled, finished, or a lapsed hold: nothing to change.
    inactive = "inactive"


@dataclass(frozen=True)
class ChangePolicy:
    """Whether a booking may still be changed at a moment, and until when the client may."""

    window: ChangeWindow
    #: Until this instant the client may reschedule or cancel.
    deadline: datetime
    window_hours: int
    #: Inside the window, the client may still cancel until this instant: the grace after booking.
    grace_until: datetime | None = None
    in_grace: bool = False

    @property
    def allowed(self) -> bool:
        """Whether the client may still change it."""
        return self.window is ChangeWindow.open

    @property
    def client_may_cancel(self) -> bool:
        """Outside the window, or inside it during the grace after booking."""
        return self.allowed or (self.closing and self.in_grace)

    @property
    def practitioner_allowed(self) -> bool:
        """Whether the practitioner may: they are not held to their own window."""
        return self.window in (ChangeWindow.open, ChangeWindow.closing)

    @property
    def closing(self) -> bool:
        return self.window is ChangeWindow.closing

    @property
    def started(self) -> bool:
        return self.window is ChangeWindow.started

    @property
    def inactive(self) -> bool:
        return self.window is ChangeWindow.inactive


def occupies_time(status: BookingStatus, hold_expires_at: datetime | None, now: datetime) -> bool:
    """Confirmed, or held by a hold that has not lapsed by `now` (a hold without an expiry has lapsed)."""
    if status is BookingStatus.held:
        return hold_expires_at is not None and hold_expires_at > now
    return status in ACTIVE_STATUSES


def change_policy(
    status: BookingStatus,
    hold_expires_at: datetime | None,
    starts_at: datetime,
    window_hours: int,
    now: datetime,
    grace_until: datetime | None = None,
) -> ChangePolicy:
    """What may still be done with a booking at `now`, given the practice's cancellation window in hours.

    `grace_until` is when the grace after booking ends: until then the client may cancel even
    inside the window (someone who booked tomorrow by mistake can undo it at once).
    """
    deadline = starts_at - timedelta(hours=window_hours)
    if not occupies_time(status, hold_expires_at, now):
        window = ChangeWindow.inactive
    elif starts_at <= now:
        window = ChangeWindow.started
    elif now >= deadline:
        window = ChangeWindow.closing
    else:
        window = ChangeWindow.open
    in_grace = grace_until is not None and now < grace_until
    return ChangePolicy(
        window=window, deadline=deadline, window_hours=window_hours, grace_until=grace_until, in_grace=in_grace
    )


@dataclass(frozen=True)
class BookingTerms:
    """What a client is told before booking: until when they may change it online, and the grace after."""

    window_hours: int
    grace_minutes: int
    #: When a chosen time's online changes end; None before a time is chosen.
    deadline: datetime | None = None
    #: The chosen time is already inside the window: after booking, changes go through the practice.
    inside_window: bool = False


def booking_terms(window_hours: int, grace_minutes: int, start: datetime | None, now: datetime) -> BookingTerms:
    if start is None:
        return BookingTerms(window_hours, grace_minutes)
    deadline = start - timedelta(hours=window_hours)
    return BookingTerms(window_hours, grace_minutes, deadline=deadline, inside_window=now >= deadline)
