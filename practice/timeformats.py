"""Instants and days as people read them and as URLs and JSON carry them."""
import re
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.dates import format_date, format_time, match_skeleton
from flask import current_app, has_app_context
from flask_babel import get_locale, ngettext

#: Years outside this range are refused as malformed: no booking is that far off, and
#: refusing them keeps later arithmetic (zone margins, buffers) clear of datetime's limits.
YEARS = range(2000, 3000)

#: How times read where no request says otherwise: the CLI, the worker, and a request with no
#: Accept-Language header. Practice-neutral English, day before month and a 24-hour clock: the
#: demo practice is in London, and "14:00" can't be misread as morning.
DEFAULT_LOCALE = "en_GB"

#: CLDR's "atTime" pattern joining a long date to its time, by language: Babel carries only the
#: plain "{1}, {0}", and "Monday 2 March at 10:00" is how English says it.
AT_TIME = {"en": "{1} 'at' {0}"}


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


def formatting_locale(locale: Locale | str | None = None) -> Locale:
    """`locale`, else the request's (or the one an email was forced into), else DEFAULT_LOCALE."""
    if locale is not None:
        return _parsed(str(locale))
    if has_app_context() and "babel" in current_app.extensions:
        return get_locale() or _parsed(DEFAULT_LOCALE)
    return _parsed(DEFAULT_LOCALE)


@lru_cache(maxsize=4096)
def _day_text(day: date, skeleton: str, locale: Locale) -> str:
    # The day pages name the same few weeks of days on every request.
    return format_date(day, _skeleton_pattern(skeleton, locale), locale=locale)


@lru_cache(maxsize=64)
def _parsed(name: str) -> Locale:
    return Locale.parse(name)


def clock(value: datetime, zone: str, locale: Locale | str | None = None) -> str:
    """"10:00" (en_GB, es), "10:00 AM" (en_US): the time of day in `zone`."""
    return format_time(value, "short", tzinfo=ZoneInfo(zone), locale=formatting_locale(locale))


def weekday_and_date(day: date, locale: Locale | str | None = None) -> str:
    """"Monday 2 March" (en_GB), "Monday, March 2" (en_US), "lunes, 2 de marzo" (es)."""
    return _day_text(day, "MMMMEEEEd", formatting_locale(locale))


def short_day(day: date, locale: Locale | str | None = None) -> str:
    """"Mon 2 Mar" (en_GB), "Mon, Mar 2" (en_US), "lun, 2 mar" (es)."""
    return _day_text(day, "MMMEd", formatting_locale(locale))


def weekday_short_month_long(day: date, locale: Locale | str | None = None) -> str:
    """"Tue 3 March" (en_GB), "Tue, March 3" (en_US), "mar, 3 de marzo" (es): a day for a subject line."""
    return _day_text(day, "MMMMEd", formatting_locale(locale))


def long_date(day: date, locale: Locale | str | None = None) -> str:
    """"Monday, 2 March 2026" (en_GB), "Monday, March 2, 2026" (en_US), "lunes, 2 de marzo de 2026" (es)."""
    return _day_text(day, "yMMMMEEEEd", formatting_locale(locale))


def long_instant(value: datetime, zone: str, locale: Locale | str | None = None) -> str:
    """"Monday, 2 March 2026 at 10:00" (en_GB), "lunes, 2 de marzo de 2026, 10:00" (es), in `zone`."""
    chosen = formatting_locale(locale)
    local = value.astimezone(ZoneInfo(zone))
    day = long_date(local.date(), chosen)
    joined = AT_TIME.get(chosen.language) or str(chosen.datetime_formats["full"])
    return _literal_text(joined).replace("{1}", day).replace("{0}", clock(value, zone, chosen))


@lru_cache(maxsize=256)
def _skeleton_pattern(skeleton: str, locale: Locale) -> str:
    """The locale's pattern for `skeleton`, with the weekday and month as wide as it asks.

    CLDR lists the fields each locale orders, not every width: Spanish has "E, d 'de' MMMM" for
    "MMMMEd" and nothing for "MMMMEEEEd". As ICU does, the nearest pattern is widened.
    """
    pattern = locale.datetime_skeletons[match_skeleton(skeleton, locale.datetime_skeletons)].pattern
    parts = pattern.split("'")
    # Even parts are fields; odd ones are quoted text, such as Spanish 'de', left as they are.
    for index in range(0, len(parts), 2):
        for letter, asked in (("E", skeleton.count("E")), ("M", skeleton.count("M")), ("L", skeleton.count("M"))):
            parts[index] = _widened(parts[index], letter, asked)
    return "'".join(parts)


def _widened(fields: str, letter: str, width: int) -> str:
    """Runs of `letter` made `width` long; a month given as a number ("M", "MM") stays one."""

    def widen(run: re.Match) -> str:
        length = len(run.group())
        is_name = letter == "E" or length >= 3
        return letter * width if is_name and length < width else run.group()

    return re.sub(f"{letter}+", widen, fields)


def _literal_text(pattern: str) -> str:
    """A CLDR joining pattern's quoted text unquoted: "{1} 'at' {0}" → "{1} at {0}"."""
    return re.sub(r"'([^']*)'", r"\1", pattern)


def notice_text(minutes: int) -> str:
    """720 → "12 hours", 90 → "90 minutes", 2880 → "2 days": a notice period as people say it."""
    if minutes % (24 * 60) == 0 and minutes:
        return ngettext("%(num)d day", "%(num)d days", minutes // (24 * 60))
    if minutes % 60 == 0 and minutes:
        return ngettext("%(num)d hour", "%(num)d hours", minutes // 60)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


FILTERS = {
    "notice_text": notice_text,
    "clock": clock,
    "weekday_and_date": weekday_and_date,
    "short_day": short_day,
    "long_instant": long_instant,
    "local_day": local_day,
    "instant_for_url": instant_for_url,
}
