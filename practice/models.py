"""Every model, imported in one place so the migrations see the whole schema."""
from practice.accounts.models import Practitioner
from practice.booking.models import Booking
from practice.catalog.models import Service
from practice.notifications.models import OutboxMessage
from practice.scheduling.models import DateOverride, TimeOff, WeeklyHours

__all__ = ["Booking", "DateOverride", "OutboxMessage", "Practitioner", "Service", "TimeOff", "WeeklyHours"]
