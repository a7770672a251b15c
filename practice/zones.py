"""Timezones as places people know, with their offset from UTC at the moment that matters."""
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from importlib.resources import files
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import get_timezone_location
from flask_babel import gettext, lazy_gettext
from markupsafe import Markup

from practice.timeformats import clock, formatting_locale, is_known_timezone, short_day

#: U+2212, read as "minus" by screen readers, where a hyphen may be read as a dash or not at all.
MINUS = "\u2212"

#: The selector's groups, by the first part of the zone's name; the labels follow the page's language.
REGIONS = {
    "Africa": lazy_gettext("Africa"),
    "America": lazy_gettext("Americas"),
    "Antarctica": lazy_gettext("Antarctica"),
    "Arctic": lazy_gettext("Arctic"),
    "Asia": lazy_gettext("Asia"),
    "Atlantic": lazy_gettext("Atlantic"),
    "Australia": lazy_gettext("Australia"),
    "Europe": lazy_gettext("Europe"),
    "Indian": lazy_gettext("Indian Ocean"),
    "Pacific": lazy_gettext("Pacific"),
}


@dataclass(frozen=True)
class ZoneChoice:
    zone: str
    #: "New York (UTC−5)"
    label: str


@dataclass(frozen=True)
class ZoneGroup:
    label: str
    choices: tuple[ZoneChoice, ...]


@dataclass(frozen=True)
class ZoneMenu:
    """The timezone selector: the zone shown and the practice's first, then every place by region."""

    suggested: tuple[ZoneChoice, ...]
    groups: tuple[ZoneGroup, ...]
    #: The groups as <optgroup>s, made once a day per language: some 400 options, the same on every page.
    groups_html: Markup


def utc_offset(zone: str, at: datetime) -> str:
    """"UTC", "UTC−5", "UTC+5:30", "UTC+12:45": the zone's offset from UTC at the instant `at`."""
    offset = at.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset else 0
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes > 0 else MINUS}{hours}" + (f":{rest:02d}" if rest else "")


def is_place(zone: str) -> bool:
    """Whether the zone is named for a place ("Europe/London", or an alias such as "US/Eastern"), not an offset ("UTC", "Etc/GMT+5")."""
    return "/" in zone and not zone.startswith("Etc/")


@lru_cache(maxsize=4096)
def place_name(zone: str, locale: Locale) -> str:
    """"New York", "Nueva York", "Buenos Aires": CLDR's name for the zone's city in `locale`, else the city in its name."""
    try:
        city = get_timezone_location(zone, locale=locale, return_city=True)
    except LookupError:
        city = zone
    # Without a CLDR name, Babel answers with the zone's path ("Argentina/Buenos Aires").
    return city.rsplit("/", 1)[-1].replace("_", " ")


def zone_label(zone: str, at: datetime | date | None = None, locale: Locale | str | None = None) -> str:
    """"New York time, UTC−5": where the zone is and its offset at `at`.

    `at` is an instant, or a day (its noon there), or now. A zone that is only an offset reads as it: "UTC".
    """
    instant = _instant(zone, at)
    offset = utc_offset(zone, instant)
    if not is_place(zone):
        return offset
    return gettext("%(place)s time, %(offset)s", place=place_name(zone, formatting_locale(locale)), offset=offset)


def practice_time(start: datetime, zone: str, practice_zone: str, locale: Locale | str | None = None) -> str:
    """"15:00 in London": the practice's clock at `start` when it differs from `zone`'s; "" when they agree.

    The practice's day is named when it is another day there: "Tue 3 Mar, 03:00 in London".
    """
    here, there = start.astimezone(ZoneInfo(zone)), start.astimezone(ZoneInfo(practice_zone))
    if here.utcoffset() == there.utcoffset():
        return ""
    chosen = formatting_locale(locale)
    place, when = place_name(practice_zone, chosen), clock(start, practice_zone, chosen)
    if there.date() != here.date():
        return gettext("%(day)s, %(time)s in %(place)s", day=short_day(there.date(), chosen), time=when, place=place)
    return gettext("%(time)s in %(place)s", time=when, place=place)


def both_times(start: datetime, zone: str, practice_zone: str, locale: Locale | str | None = None) -> str:
    """"10:00 AM · 3:00 PM in London": the time in `zone`, with the practice's beside it when its clock differs.

    One way of saying it for every page and email that shows a client's time.
    """
    here = clock(start, zone, locale)
    there = practice_time(start, zone, practice_zone, locale)
    return f"{here} · {there}" if there else here


def zone_menu(zone: str, practice_zone: str, now: datetime | None = None, locale: Locale | str | None = None) -> ZoneMenu:
    """The selector's choices, each with its offset today.

    First the zone shown (the browser's, once timezone.js has asked for it) and the practice's;
    then the places of tzdata's zone.tab by region. Aliases (US/Eastern, GB), Etc/ zones,
    Factory and localtime are not offered, though ?tz= and the API still accept every known zone.
    """
    chosen = formatting_locale(locale)
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    at = _noon_utc(today)
    suggested = []
    for name in dict.fromkeys((zone, practice_zone)):
        choice = _choice(name, at, chosen)
        if name == practice_zone:
            choice = ZoneChoice(name, gettext("%(zone)s, the practice's time", zone=choice.label))
        suggested.append(choice)
    return ZoneMenu(tuple(suggested), _groups(chosen, today), _groups_html(chosen, today))


@lru_cache(maxsize=1)
def canonical_zones() -> tuple[str, ...]:
    """The zones of tzdata's zone.tab, each a place people live, at least one for every country.

    zone.tab rather than zone1970.tab: the latter merges zones that have agreed since 1970, so
    Oslo, Stockholm and Amsterdam would be offered only as Berlin.
    """
    table = files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    names = (line.split("\t")[2] for line in table.splitlines() if line and not line.startswith("#"))
    return tuple(sorted(name for name in names if is_known_timezone(name) and name.split("/")[0] in REGIONS))


@lru_cache(maxsize=16)
def _groups(locale: Locale, today: date) -> tuple[ZoneGroup, ...]:
    # Built once a day per locale: ~400 names and offsets would otherwise be computed on every page.
    at = _noon_utc(today)
    by_region: dict[str, list[ZoneChoice]] = {region: [] for region in REGIONS}
    for name in canonical_zones():
        by_region[name.split("/")[0]].append(_choice(name, at, locale))
    return tuple(
        ZoneGroup(REGIONS[region], tuple(sorted(choices, key=lambda c: _sort_key(c.label))))
        for region, choices in by_region.items()
        if choices
    )


@lru_cache(maxsize=16)
def _groups_html(locale: Locale, today: date) -> Markup:
    # The region labels are translated as the cache is filled, in the language of `locale`, the page's.
    return Markup("").join(
        Markup('<optgroup label="{}">{}</optgroup>').format(
            group.label,
            Markup("").join(Markup('<option value="{}">{}</option>').format(c.zone, c.label) for c in group.choices),
        )
        for group in _groups(locale, today)
    )


def _choice(zone: str, at: datetime, locale: Locale) -> ZoneChoice:
    offset = utc_offset(zone, at)
    return ZoneChoice(zone, f"{place_name(zone, locale)} ({offset})" if is_place(zone) else offset)


def _sort_key(label: str) -> str:
    # "Ámsterdam" among the A's.
    return "".join(c for c in unicodedata.normalize("NFD", label) if not unicodedata.combining(c)).casefold()


def _noon_utc(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def _instant(zone: str, at: datetime | date | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    if isinstance(at, datetime):
        return at
    return datetime.combine(at, time(12), tzinfo=ZoneInfo(zone))
