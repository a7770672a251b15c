"""The public JSON API: services, free slots and bookings, documented at /api/openapi.json."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import Blueprint, Response, current_app, jsonify, request

from practice.api.openapi import openapi_document
from practice.app_memory import AppMemory
from practice.booking import free_times, service
from practice.booking.times import places_word, shown_remaining
from practice.errors import error_response
from practice.extensions import csrf, limiter, read_without_transaction
from practice.freshness import revalidated
from practice.i18n import current_locale
from practice.scheduling.slots import Slot
from practice.sqltypes import MAX_ID
from practice.timeformats import days_window, instant_in_zone, is_known_timezone, local_day, parse_day, parse_instant

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)

#: The widest slots window one request may ask for.
MAX_WINDOW_DAYS = 62
#: How far ahead a slots window may start (the booking page pages as far).
MAX_DAYS_AHEAD = 366
#: The slots API's answers, kept while their free times hold (see free_times.FreeTimes.true_until).
_answers = AppMemory("slots_answers", size=1024)


def _booking_rate_limit() -> str:
    return current_app.config["BOOKING_RATE_LIMIT"]


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/v1/services")
def services():
    return jsonify(
        {
            "services": [
                {
                    "id": s.id,
                    "practice": s.practice.slug,
                    "practitioner": s.practitioner.slug,
                    "name": s.name,
                    "duration_minutes": s.duration_minutes,
                    "price_cents": s.price_cents,
                    "currency": s.currency,
                    "capacity": s.capacity,
                }
                for s in service.every_published_service()
            ]
        }
    )


@bp.get("/v1/slots")
def slots():
    args = request.args
    service_id = _id(args.get("service", ""))
    first, last = parse_day(args.get("start")), parse_day(args.get("end"))
    zone = args.get("tz", "")
    known_zone = is_known_timezone(zone)
    problems = {}
    if service_id is None:
        problems["service"] = "Give the id of a published service."
    if first is None:
        problems["start"] = "Give the first day as YYYY-MM-DD."
    elif known_zone and not 0 <= (first - local_day(_now(), zone)).days <= MAX_DAYS_AHEAD:
        problems["start"] = f"The first day must be between today and {MAX_DAYS_AHEAD} days ahead."
    if last is None:
        problems["end"] = "Give the last day as YYYY-MM-DD."
    if first and last and not timedelta(0) <= last - first < timedelta(days=MAX_WINDOW_DAYS):
        problems["end"] = f"The end must be on or after the start, at most {MAX_WINDOW_DAYS} days later."
    if not known_zone:
        problems["tz"] = "Give an IANA timezone such as Europe/London."
    if problems:
        return error_response(400, "Some parameters need another look.", problems)
    read_without_transaction()
    # Plain values in one row rather than ORM objects: this is the busiest read of all.
    published = service.published_offer(service_id)
    if published is None:
        return error_response(404, "No published service has that id.")
    window_start, window_end = days_window(first, (last - first).days + 1, zone)
    return revalidated(_slots_answer(published, window_start, window_end, zone, _now()))


@dataclass(frozen=True)
class _KeptAnswer:
    body: bytes
    worked_out_at: datetime
    true_until: datetime


def _slots_answer(published: service.PublishedOffer, start: datetime, end: datetime, zone: str, now: datetime) -> Response:
    """The JSON of the free times, kept while they hold: `published` carries the schedule version."""
    key = (published, start, end, zone)
    kept = _answers.get(key)
    if kept is None or not kept.worked_out_at <= now < kept.true_until:
        found = free_times.free_times(published.offer, start, end, now, version=published.schedule_version)
        free = _slots_json(found.slots, zone, published.offer.spec.capacity, published.exact_group_places)
        kept = _KeptAnswer(jsonify({"slots": free}).get_data(), now, found.true_until)
        _answers.put(key, kept)
    return current_app.response_class(kept.body, mimetype="application/json")


def _slots_json(free: list[Slot], zone: str, capacity: int, exact: bool) -> list[dict]:
    return [
        {
            "start": instant_in_zone(s.start, zone),
            "end": instant_in_zone(s.end, zone),
            "remaining": shown_remaining(s.remaining, capacity, exact),
            "places": places_word(s.remaining, capacity),
        }
        for s in free
    ]


@bp.post("/v1/bookings")
@limiter.limit(_booking_rate_limit)
def create_booking():
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return error_response(400, "Send a JSON object with service, start, name, email and timezone.")
    service_id, start = payload.get("service"), parse_instant(_text(payload.get("start")))
    problems = {}
    if not isinstance(service_id, int) or isinstance(service_id, bool) or not 0 < service_id <= MAX_ID:
        problems["service"] = "Give the id of a published service."
    if start is None:
        problems["start"] = "Give the start as ISO-8601 with an offset, as /api/v1/slots returns it."
    try:
        client = service.client_details_from(payload, locale=current_locale())
    except service.InvalidDetails as invalid:
        problems.update(invalid.field_errors)
    if problems:
        return error_response(422, "Some details need another look.", problems)
    if service.published_offer(service_id) is None:
        return error_response(404, "No published service has that id.")
    try:
        booking = service.book(service_id=service_id, start=start, client=client, now=_now(), from_client=True)
    except service.SlotTaken as taken:
        return error_response(409, taken.message)
    except service.BookingError as refused:
        return error_response(422, refused.message)
    return (
        jsonify(
            {
                "id": booking.public_id,
                "status": booking.status.value,
                # "email" when a first-time client must confirm their address (emailed) before the time is theirs.
                "awaiting": booking.awaiting,
                "manage_url": service.manage_url(booking),
            }
        ),
        201,
    )


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _id(text: str) -> int | None:
    # str.isdigit() also accepts digits such as "²" that int() refuses.
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def _text(value) -> str | None:
    return value if isinstance(value, str) else None
