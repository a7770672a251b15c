"""What scheduling announces; booking subscribes, so scheduling never imports it.

`time_closed` is also a question: each receiver returns how many of its sessions still stand
in the closed time, so the practitioner can be told without scheduling knowing of bookings.
"""
from blinker import Namespace

_signals = Namespace()

#: sender: the practitioner's id; keywords: start, end, now. Receivers return a count.
time_closed = _signals.signal("time-closed")
