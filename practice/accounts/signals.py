"""What accounts announce; notifications subscribes and owes the emails, so accounts imports it not.

Receivers run inside the transaction that made the change: whatever they write is saved or
lost with it.
"""
from blinker import Namespace

_signals = Namespace()

#: sender: the Practitioner who asked; keywords: reset_url, now.
password_reset_requested = _signals.signal("password-reset-requested")
#: sender: the Invitation; keywords: invitation_url, now.
practitioner_invited = _signals.signal("practitioner-invited")
