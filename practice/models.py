"""Every model, imported in one place so the migrations see the whole schema."""
from practice.accounts.models import Invitation, Membership, Practice, Practitioner
from practice.booking.models import Booking
from practice.catalog.models import Service
from practice.clients.models import Client
from practice.intake.models import ErasureRequest, IntakeForm, IntakeFormVersion, IntakeResponse, ServiceIntakeForm
from practice.notifications.models import OutboxMessage
from practice.payments.models import Payment, Refund, StripeEvent
from practice.scheduling.models import DateOverride, TimeOff, WeeklyHours
from practice.security.models import AuditEvent

__all__ = [
    "AuditEvent",
    "Booking",
    "Client",
    "DateOverride",
    "ErasureRequest",
    "IntakeForm",
    "IntakeFormVersion",
    "IntakeResponse",
    "Invitation",
    "Membership",
    "OutboxMessage",
    "Payment",
    "Practice",
    "Practitioner",
    "Refund",
    "Service",
    "ServiceIntakeForm",
    "StripeEvent",
    "TimeOff",
    "WeeklyHours",
]
