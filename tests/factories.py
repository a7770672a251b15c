"""Factories for test data, with sensible defaults; call inside an app context."""
from datetime import time
from itertools import count

from werkzeug.security import generate_password_hash

from practice.accounts.models import Practitioner
from practice.catalog.models import LocationKind, Service, ServiceStatus
from practice.extensions import db
from practice.scheduling.models import WeeklyHours

_numbers = count(1)
PASSWORD = "correct horse battery"
#: scrypt is slow on purpose; hashing the shared test password once keeps the suite quick.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt")


def make_practitioner(**overrides) -> Practitioner:
    n = next(_numbers)
    password = overrides.pop("password", PASSWORD)
    values = dict(
        email=f"practitioner{n}@example.org",
        name=f"Practitioner {n}",
        practice_name=f"Practice {n}",
        slug=f"practitioner-{n}",
        timezone="Europe/London",
        bio="",
        contact_email=f"hello{n}@example.org",
        min_notice_minutes=0,
        max_advance_days=60,
    )
    values.update(overrides)
    practitioner = Practitioner(**values)
    if password == PASSWORD:
        practitioner.password_hash = PASSWORD_HASH
    else:
        practitioner.set_password(password)
    db.session.add(practitioner)
    db.session.commit()
    return practitioner


def make_service(practitioner: Practitioner, **overrides) -> Service:
    values = dict(
        practitioner_id=practitioner.id,
        name="Restorative massage",
        description="",
        duration_minutes=60,
        price_cents=7000,
        currency="GBP",
        buffer_before_minutes=0,
        buffer_after_minutes=0,
        location_kind=LocationKind.in_person,
        location_detail="1 Garden Row",
        capacity=1,
        slot_step_minutes=60,
        status=ServiceStatus.published,
    )
    values.update(overrides)
    service = Service(**values)
    db.session.add(service)
    db.session.commit()
    return service


def make_weekly_hours(practitioner: Practitioner, weekdays=range(7), start=time(9), end=time(17)) -> None:
    for weekday in weekdays:
        db.session.add(WeeklyHours(practitioner_id=practitioner.id, weekday=weekday, start_time=start, end_time=end))
    db.session.commit()
