"""The demo practice: a massage therapist who owns it and a grief counselor she invited, with hours, intake forms
on their services and a few bookings."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from practice.accounts.invitations import LIFETIME
from practice.accounts.models import Invitation, Membership, Practice, Practitioner, Role
from practice.booking import free_times
from practice.booking import service as booking_service
from practice.booking.models import Booking
from practice.booking.service import BookingError, ClientDetails
from practice.catalog.models import LocationKind, Service, ServiceStatus
from practice.catalog.pricing import PaymentMode
from practice.clients.models import Client
from practice.extensions import db
from practice.intake import service as intake
from practice.scheduling.models import DateOverride, WeeklyHours

DEMO_PASSWORD = "stillwater-demo"
PRACTICE = "Stillwater Practice"
PRACTICE_SLUG = "stillwater"
ADDRESS = "14 Alder Lane, Bristol BS6 5AA"
CONTACT = "hello@stillwater.example"
ZONE = "Europe/London"
THURSDAY = 3
#: The remembrance circle meets on the first Thursday evening of the month, and only then.
CIRCLE_EVENING = (time(19, 0), time(20, 30))
CIRCLE_MEETINGS = 3

PRACTITIONERS = [
    {
        "email": "rowan@stillwater.example",
        "name": "Rowan Hale",
        "slug": "rowan-hale",
        "role": Role.owner,
        "profession": "Massage therapist",
        "bio": "Gentle, unhurried bodywork for recovery after pregnancy loss, "
        "with your comfort and consent guiding every session.",
        "hours": {1: [(9, 30, 13, 0), (14, 0, 18, 0)], 2: [(9, 30, 13, 0), (14, 0, 18, 0)],
                  3: [(12, 0, 20, 0)], 4: [(9, 30, 13, 0), (14, 0, 18, 0)], 5: [(10, 0, 14, 0)]},
        "services": [
            {"name": "Pregnancy-loss recovery massage", "duration_minutes": 60, "price_cents": 6500,
             "payment_mode": PaymentMode.deposit, "deposit_cents": 2000, "buffer_after_minutes": 15, "slot_step_minutes": 30,
             "description": "A slow, supportive massage for the weeks and months after a loss. "
             "Tell us what feels right; every part of the session can be adjusted or paused.",
             "what_to_expect": "We begin with a few minutes' talk about how you are and what you'd like from the session. "
             "You stay covered throughout and can keep on whatever clothes feel comfortable. Please arrive five minutes early; "
             "there is a quiet room to sit in first."},
            {"name": "Gentle restorative massage", "duration_minutes": 90, "price_cents": 8500,
             "payment_mode": PaymentMode.full, "buffer_after_minutes": 15, "slot_step_minutes": 30,
             "description": "Ninety unhurried minutes of light, grounding touch for rest and recovery.",
             "what_to_expect": "A short conversation first, then light, slow massage. Wear something loose; "
             "you can stop or change anything at any time."},
        ],
        # Starter form → the services whose clients fill it before the appointment.
        "forms": {"massage": ["Pregnancy-loss recovery massage", "Gentle restorative massage"]},
    },
    {
        "email": "imogen@stillwater.example",
        "name": "Imogen Reyes",
        "slug": "imogen-reyes",
        "role": Role.practitioner,
        "profession": "Grief counselor",
        "bio": "A quiet space to talk about miscarriage, stillbirth and the loss of a "
        "baby — alone, with a partner, or alongside others who understand.",
        "hours": {0: [(10, 0, 17, 0)], 1: [(10, 0, 17, 0)], 2: [(13, 0, 20, 0)], 3: [(10, 0, 17, 0)]},
        "services": [
            {"name": "Grief counseling after pregnancy loss", "duration_minutes": 50, "price_cents": 7000,
             "payment_mode": PaymentMode.sliding, "sliding_min_cents": 3000, "sliding_max_cents": 9000,
             "buffer_after_minutes": 10, "slot_step_minutes": 60, "location_kind": LocationKind.video,
             "location_detail": "https://meet.example.org/stillwater-imogen",
             "description": "A one-to-one session, by video, at your pace.",
             "what_to_expect": "The first session is mostly about getting to know each other: you share only what you "
             "want to. Find a private, quiet place with headphones if you can; the link works in any browser."},
            {"name": "Couples session", "duration_minutes": 80, "price_cents": 9500,
             "buffer_after_minutes": 10, "slot_step_minutes": 60,
             "description": "For partners grieving together — and sometimes differently."},
            {"name": "Monthly remembrance circle", "duration_minutes": 90, "price_cents": 1500,
             "capacity": 12, "slot_step_minutes": 90, "own_hours": True, "first_thursdays": CIRCLE_EVENING,
             "description": "A small, gently held group to remember the babies we carried. "
             "Come to speak or simply to listen.",
             "content_note": "This circle talks openly about miscarriage, stillbirth and the death of babies.",
             "what_to_expect": "We sit together for ninety minutes. Imogen opens with a short reading, then anyone who wishes "
             "may share a name, a memory or how they are; listening without speaking is always welcome. "
             "We close by lighting a candle. Tea is available from 6:45pm."},
        ],
        "forms": {"grief": ["Grief counseling after pregnancy loss", "Couples session"],
                  "epds": ["Grief counseling after pregnancy loss"]},
    },
]

DEMO_LOGINS = [p["email"] for p in PRACTITIONERS]

DEMO_CLIENTS = [
    ClientDetails(
        name="Hannah Brooks", email="hannah@example.org", timezone="Europe/London", pronouns="she/her",
        phone="07700 900123", note="It's been six weeks. I'd rather not talk about due dates, if that's all right.",
    ),
    ClientDetails(name="Sam and Alex Turner", email="turners@example.org", timezone="Europe/London"),
    ClientDetails(name="Priya Shah", email="priya@example.org", timezone="Europe/London", preferred_name="Pri"),
]


def seed_demo(now: datetime) -> bool:
    """Create the demo practice unless it exists; returns whether anything was created."""
    if db.session.scalar(select(Practitioner).where(Practitioner.email == DEMO_LOGINS[0])):
        return False
    practice = _practice(now)
    owner = None
    for spec in PRACTITIONERS:
        practitioner = _practitioner(spec, practice, now)
        if spec["role"] is Role.owner:
            owner = practitioner
        else:
            _accepted_invitation(practice, owner, practitioner, now)
        for service_spec in spec["services"]:
            values = dict(service_spec)
            evening = values.pop("first_thursdays", None)
            service = _service(practitioner, values)
            if evening:
                _first_thursday_sessions(service, evening, now)
    db.session.commit()
    _ask_for_forms(now)
    _book_a_few(now)
    _fill_hannahs_intake(now)
    return True


def _ask_for_forms(now: datetime) -> None:
    for spec in PRACTITIONERS:
        practitioner = db.session.scalar(select(Practitioner).where(Practitioner.email == spec["email"]))
        for template, service_names in spec["forms"].items():
            form = intake.create_form(practitioner, template=template, now=now)
            service_ids = db.session.scalars(
                select(Service.id).where(Service.practitioner_id == practitioner.id, Service.name.in_(service_names))
            ).all()
            intake.set_services_asking(form, service_ids)


#: Hannah's massage health history, page by page: she isn't sure she has been cleared, so the
#: booking shows "Check before session" on Rowan's dashboard.
HANNAHS_MASSAGE_INTAKE = [
    {"q-time_since_loss": ["2_to_6_weeks"], "q-bleeding_now": ["spotting"], "q-fever": ["no"], "q-procedure": ["no"],
     "q-clearance": ["not_sure"]},
    {"q-pain": ["3"], "q-areas_to_avoid": ["belly"], "q-pressure": ["light"]},
    {"q-allergies": ["no"]},
    {"q-touch_consent-name": ["Hannah Brooks"], "q-touch_consent-agree": ["yes"]},
]


def _fill_hannahs_intake(now: datetime) -> None:
    booking = db.session.scalar(
        select(Booking).join(Client, Booking.client_id == Client.id).where(Client.email == DEMO_CLIENTS[0].email)
    )
    if booking is None:
        return
    form = intake.forms_for_service(booking.service_id)[0]
    for step, page in enumerate(HANNAHS_MASSAGE_INTAKE):
        saved = intake.save_page(booking, form.id, step, page, now=now)
        if saved.errors:
            raise RuntimeError(f"the demo intake does not fit the massage form: {sorted(saved.errors)}")


def _practice(now: datetime) -> Practice:
    practice = Practice(
        name=PRACTICE, slug=_free_practice_slug(), timezone=ZONE, contact_email=CONTACT, address=ADDRESS,
        min_notice_minutes=12 * 60, max_advance_days=60, currency="GBP", created_at=now,
    )
    db.session.add(practice)
    db.session.flush()
    return practice


def _free_practice_slug() -> str:
    # The seed may run on an install that already has a practice of its own at "stillwater".
    slug, n = PRACTICE_SLUG, 1
    while db.session.scalar(select(Practice.id).where(Practice.slug == slug)) is not None:
        n += 1
        slug = f"{PRACTICE_SLUG}-{n}"
    return slug


def _practitioner(spec: dict, practice: Practice, now: datetime) -> Practitioner:
    practitioner = Practitioner(
        email=spec["email"], name=spec["name"], profession=spec["profession"], slug=spec["slug"], bio=spec["bio"],
        session_version=0, created_at=now,
    )
    practitioner.set_password(DEMO_PASSWORD)
    db.session.add(practitioner)
    db.session.add(Membership(practice=practice, practitioner=practitioner, role=spec["role"], created_at=now))
    db.session.flush()
    for weekday, ranges in spec["hours"].items():
        for h1, m1, h2, m2 in ranges:
            db.session.add(WeeklyHours(practitioner_id=practitioner.id, weekday=weekday,
                                       start_time=time(h1, m1), end_time=time(h2, m2)))
    return practitioner


def _accepted_invitation(practice: Practice, owner: Practitioner, practitioner: Practitioner, now: datetime) -> None:
    """How a second practitioner joins: the owner invited them, and they accepted."""
    db.session.add(Invitation(
        practice_id=practice.id, email=practitioner.email, role=Role.practitioner, invited_by_id=owner.id,
        created_at=now, expires_at=now + LIFETIME, accepted_at=now, practitioner_id=practitioner.id,
    ))


def _service(practitioner: Practitioner, spec: dict) -> Service:
    values = {"location_kind": LocationKind.in_person, "location_detail": ADDRESS, "status": ServiceStatus.published, **spec}
    service = Service(practice_id=practitioner.practice_id, practitioner_id=practitioner.id, **values)
    db.session.add(service)
    db.session.flush()
    return service


def _first_thursday_sessions(service: Service, evening: tuple[time, time], now: datetime) -> None:
    for day in first_thursdays(now, CIRCLE_MEETINGS, evening[0]):
        db.session.add(DateOverride(practitioner_id=service.practitioner_id, service_id=service.id,
                                    day=day, start_time=evening[0], end_time=evening[1]))


def first_thursdays(now: datetime, count: int, starting: time) -> list[date]:
    """The next `count` first Thursdays of a month (London dates) whose session at `starting` is still ahead."""
    zone = ZoneInfo(ZONE)
    month = now.astimezone(zone).date().replace(day=1)
    days: list[date] = []
    while len(days) < count:
        day = month + timedelta(days=(THURSDAY - month.weekday()) % 7)
        if datetime.combine(day, starting, tzinfo=zone) > now:
            days.append(day)
        month = (month + timedelta(days=31)).replace(day=1)
    return days


def _book_a_few(now: datetime) -> None:
    # Only the demo practitioners' services: the seed may run on an install with real practices.
    services = db.session.scalars(
        select(Service).join(Practitioner, Service.practitioner_id == Practitioner.id)
        .where(Service.capacity == 1, Practitioner.email.in_(DEMO_LOGINS)).order_by(Service.id)
    ).all()
    for service, client in zip(services, DEMO_CLIENTS):
        free = free_times.open_slots(service, now, now + timedelta(days=14), now)
        if not free:
            continue
        try:
            _book_as_the_practice(service, free[len(free) // 3].start, client, now)
        except BookingError:
            continue


def _book_as_the_practice(service: Service, start: datetime, client, now: datetime) -> None:
    """Book as a practitioner entering a client's booking: a service paid online is settled with them directly."""
    if not service.pricing.paid_online:
        booking_service.book(service_id=service.id, start=start, client=client, now=now)
        return
    held = booking_service.book(service_id=service.id, start=start, client=client, now=now, hold_until=now + timedelta(minutes=30))
    with booking_service.serialised_change():
        booking_service.confirm_hold(held.id, now=now)
