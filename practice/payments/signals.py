"""What payments announce; notifications subscribes, so payments imports it not.

Receivers run inside the transaction that made the change.
"""
from blinker import Namespace

_signals = Namespace()

#: sender: the Refund, confirmed by Stripe; keywords: now.
refund_succeeded = _signals.signal("refund-succeeded")
