"""What intake announces; notifications subscribes, so intake imports no area above it.

Receivers run inside the transaction that made the change.
"""
from blinker import Namespace

_signals = Namespace()

#: sender: the IntakeResponse, the first time its answers need the practitioner's attention; keywords: now.
intake_needs_attention = _signals.signal("intake-needs-attention")
#: sender: the ErasureRequest, just made; keywords: now.
erasure_requested = _signals.signal("erasure-requested")
