"""What booking announces; notifications (and later payments) subscribe, so booking imports neither.

Receivers run inside the transaction that made the change, so whatever they write (the
emails it owes) is saved or lost with it.
"""
from blinker import Namespace

_signals = Namespace()

#: sender: the Booking; keywords: now.
booking_confirmed = _signals.signal("booking-confirmed")
#: sender: the Booking (already moved); keywords: previous_start, now, by, message.
booking_rescheduled = _signals.signal("booking-rescheduled")
#: sender: the Booking; keywords: now, by, message.
booking_cancelled = _signals.signal("booking-cancelled")
#: sender: the Booking, held for a payment that never came; keywords: now, by (expiry, or the client letting it go).
booking_hold_released = _signals.signal("booking-hold-released")
#: sender: the Booking, held until a first-time client confirms their email; keywords: now.
booking_awaiting_email = _signals.signal("booking-awaiting-email")
#: sender: the Client who asked for their links again; keywords: bookings (upcoming, soonest first), now.
lost_links_requested = _signals.signal("lost-links-requested")
