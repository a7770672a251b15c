"""Pages of the booking flow shared by its blueprint and the checkout (payments) that continues it."""
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Response, abort, current_app, make_response, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from practice.booking import page_memory, service
from practice.booking.states import BookingTerms
from practice.booking.states import booking_terms as terms_at
from practice.booking.times import next_free_slot, places_word, shown_remaining, times_page
from practice.catalog.pricing import describe
from practice.payment_settings import online_payments_enabled
from practice.sqltypes import MAX_ID
from practice.timeformats import instant_for_url, parse_day, zone_or


def booking_rate_limit() -> str:
    return current_app.config["BOOKING_RATE_LIMIT"]


def submission_key(form) -> str | None:
    """The confirm form's random key, if it looks like one we issued."""
    key = form.submission.data or ""
    return key if 16 <= len(key) <= 64 and key.isascii() else None


def render_refusal(chosen, form, start: datetime, zone: str, refused: service.BookingError):
    """What the confirm step answers when booking was refused: the details again, or the times with the reason."""
    if isinstance(refused, service.InvalidDetails):
        form.show_errors(refused.field_errors)
        return render_details(chosen, form, start, zone, 422, refused.message)
    if isinstance(refused, service.SlotTaken):
        return render_taken(chosen, zone, start, refused.message)
    return render_times(chosen, zone, 422, refused.message)


def render_taken(chosen, zone: str, start: datetime, message: str):
    """409: the time was taken; for a full group, the next gathering with places is offered."""
    if not chosen.is_group:
        return render_times(chosen, zone, 409, message)
    following = next_free_slot(chosen, start, now())
    full = _("This gathering is full.") if following else _("This gathering is full, and no later one has places yet.")
    # Two sentences, each translated whole: why the time went, then what is left.
    return render_times(chosen, zone, 409, f"{message} {full}", next_gathering=following)


def now() -> datetime:
    return datetime.now(UTC)


def service_or_404(practice_slug: str, slug: str, service_id: int):
    found = service.published_service(practice_slug, slug, service_id) if service_id <= MAX_ID else None
    if found is None:
        abort(404)
    return found


def client_zone(default: str) -> str:
    # Links carry the zone as ?tz=; the details and confirm forms as their timezone field.
    return zone_or(request.values.get("tz") or request.form.get("timezone"), default)


def service_address(chosen) -> dict:
    """The URL values naming a service: its practice, its practitioner, its id."""
    return dict(practice_slug=chosen.practice.slug, slug=chosen.practitioner.slug, service_id=chosen.id)


def price_text(chosen) -> str:
    return describe(chosen.pricing, chosen.practice.currency, online=online_payments_enabled(current_app.config))


def booking_terms(practice, start: datetime | None = None) -> BookingTerms:
    """The change policy a client reads before booking (templates/booking/_terms.html)."""
    return terms_at(practice.cancellation_window_hours, practice.cancel_grace_minutes, start, now())


def booking_page_title(step: str, chosen) -> str:
    """"Step · Service · Practice", or without the service when the practice is discreet: titles stay in browser history.

    `step` comes translated from the page ({{ booking_page_title(_("Choose a time"), service) }}).
    """
    practice = chosen.practice
    if practice.discreet_emails:
        return f"{step} · {practice.name}"
    return f"{step} · {chosen.name} · {practice.name}"


def places_text(chosen, slot) -> str:
    """A group's places as the public may read them (templates/booking/_slot_picker.html)."""
    shown = shown_remaining(slot.remaining, chosen.capacity, chosen.practice.exact_group_places)
    if shown is not None:
        return ngettext("%(num)d place left", "%(num)d places left", shown)
    return _("A few places left") if places_word(slot.remaining, chosen.capacity) == "few" else _("Places available")


def service_page(practice_slug: str, slug: str, service_id: int) -> Response:
    """The service page with its day picker, from memory while nothing it shows has changed (see page_memory)."""
    at = now()
    key = page_memory.page_key(practice_slug, slug, service_id)
    if (kept := page_memory.kept_page(key, at)) is not None:
        return kept
    chosen = service_or_404(practice_slug, slug, service_id)
    zone = client_zone(chosen.practice.timezone)
    times = times_page_for(chosen, zone, at=at)
    response = make_response(render_times(chosen, zone, status=200, times=times))
    # A page that wrote to the session (a CSRF token, say) belongs to this visitor alone.
    if not session.modified:
        page_memory.keep_page(key, response.get_data(), at, times.true_until)
    return response


def render_times(chosen, zone: str, status: int, message: str | None = None, next_gathering=None, times=None):
    """The service page with its day and time picker, and `message` above it (with, for a full group, the next one)."""
    times = times or times_page_for(chosen, zone)
    where = service_address(chosen)
    return (
        render_template(
            "booking/service.html",
            practice=chosen.practice,
            service=chosen,
            message=message,
            next_gathering=next_gathering,
            **picker(
                times,
                zone,
                times_url=links_to("booking.service_page", **where),
                choose_url=lambda slot: url_for("booking.details", **where, start=instant_for_url(slot.start), tz=zone),
            ),
        ),
        status,
    )


def render_details(chosen, form, start: datetime, zone: str, status: int = 200, message: str | None = None):
    return render_template("booking/details.html", service=chosen, form=form, start=start, zone=zone, message=message), status


def times_page_for(chosen, zone: str, moving=None, at: datetime | None = None):
    return times_page(
        chosen,
        zone=zone,
        first=parse_day(request.values.get("from")),
        day=parse_day(request.values.get("day")),
        now=at or now(),
        moving=moving,
    )


#: The characters werkzeug leaves unescaped in a query string, so these links read as url_for's would.
_QUERY_SAFE = "!$'()*,/:;?@"


def links_to(endpoint: str, **values) -> Callable[..., str]:
    """url_for(endpoint, **values, **query), for the many links of one page to itself (two weeks of days):
    the path is built once, and each link only adds its query string."""
    path = url_for(endpoint, **values)

    def link(**query) -> str:
        given = {name: value for name, value in query.items() if value is not None}
        return f"{path}?{urlencode(given, safe=_QUERY_SAFE)}" if given else path

    return link


def picker(times, zone: str, *, times_url, choose_url) -> dict:
    """What templates/booking/_slot_picker.html needs."""
    return dict(times=times, zone=zone, times_url=times_url, choose_url=choose_url)
