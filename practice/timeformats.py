"""Instants and days as people read them and as URLs and JSON carry them."""
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

#: Years outside this range are refused as malformed: no booking is that far off, and
#: refusing them keeps later arithmetic (zone margins, buffers) clear of datetime's limits.
YEARS = range(2000, 3000)


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_known_timezone(name: str) -> bool:
    return name in known_timezones()


def zone_or(name: str | None, default: str) -> str:
    """`name` if it is an IANA zone we know, else `default`: an odd zone never blocks a page."""
    return name if name and is_known_timezone(name) else default


def parse_instant(text: str | None) -> datetime | None:
    """An ISO-8601 instant with an offset (or Z), as aware UTC; None when malformed or naive."""
    if not text or len(text) > 40:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
        if value.tzinfo is None:
            return None
        value = value.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None
    return value if value.year in YEARS else None


def parse_day(text: str | None) -> date | None:
    if not text or len(text) != 10:
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if value.year in YEARS else None


def instant_for_url(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def instant_in_zone(value: datetime, zone: str) -> str:
    """ISO-8601 with the zone's offset, as the API returns it."""
    return value.astimezone(ZoneInfo(zone)).isoformat()


def day_start(day: date, zone: str) -> datetime:
    """The first instant of a local day, in UTC."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def local_day(value: datetime, zone: str) -> date:
    return value.astimezone(ZoneInfo(zone)).date()


def days_window(first: date, days: int, zone: str) -> tuple[datetime, datetime]:
    return day_start(first, zone), day_start(first + timedelta(days=days), zone)


def clock(value: datetime, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def weekday_and_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def short_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def long_instant(value: datetime, zone: str) -> str:
    local = value.astimezone(ZoneInfo(zone))
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M}"


def notice_text(minutes: int) -> str:
    """720 → "12 hours", 90 → "90 minutes", 2880 → "2 days": a notice period as people say it."""
    if minutes % (24 * 60) == 0 and minutes:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0 and minutes:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


FILTERS = {
    "notice_text": notice_text,
    "clock": clock,
    "weekday_and_date": weekday_and_date,
    "short_day": short_day,
    "long_instant": long_instant,
    "local_day": local_day,
    "instant_for_url": instant_for_url,
}
