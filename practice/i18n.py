"""The language Tend speaks and the locale it formats in, chosen per request; the switcher that sets it."""
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from babel import Locale, UnknownLocaleError
from babel.localedata import locale_identifiers
from flask import Blueprint, Flask, Response, abort, current_app, has_request_context, redirect, request, url_for
from flask_babel import Babel, force_locale, get_locale

from practice import zones
from practice.security.local_paths import local_path
from practice.timeformats import DEFAULT_LOCALE

bp = Blueprint("language", __name__, url_prefix="/language")
babel = Babel()

#: The languages Tend's pages and emails are written in, each named in itself for the switcher.
LANGUAGES = {"en": "English", "es": "Español"}
#: Each area keeps its own catalogue (translations/<lang>/LC_MESSAGES/<domain>.po), extracted by
#: babel/<domain>.cfg, so the areas are translated and checked apart; Flask-Babel merges them.
DOMAINS = ("messages", "booking", "emails", "intake", "payments")
#: The switcher's choice of language; it wins over the browser's Accept-Language.
COOKIE = "tend_lang"
COOKIE_MAX_AGE = timedelta(days=365)


def _territory(part: str) -> bool:
    return (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit())


#: Every locale Tend selects, stores on a booking (Booking.locale) or forces for an email: English
#: or Spanish, alone or with a region CLDR has data for ("en_US", "es_MX", "es_419"). A fixed list,
#: so a stored name is always one Babel can load and no visitor's header reaches the database.
LOCALES = frozenset(
    name
    for name in locale_identifiers()
    if (parts := name.split("_"))[0] in LANGUAGES and len(parts) <= 2 and all(_territory(p) for p in parts[1:])
)


def supported_locale(name: str | None) -> str:
    """`name` as one of LOCALES ("en-us" → "en_US"), or DEFAULT_LOCALE for anything else.

    English without a region is DEFAULT_LOCALE too: Babel's bare "en" is American, and an old
    booking's "en" (the column's default) should read as every page did before locales.
    """
    if not name or len(name) > 35:
        return DEFAULT_LOCALE
    try:
        parsed = Locale.parse(name.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return DEFAULT_LOCALE
    return _locale_of(parsed.language, parsed.territory) or DEFAULT_LOCALE


def negotiate(language: str | None, accepted: Iterable[str]) -> str:
    """The locale for a visitor who chose `language` (or None) and whose browser accepts `accepted`, best first.

    The language is the chosen one, else the first accepted one Tend speaks, else English.
    The region is kept for formatting ("en-US" → en_US, 12-hour; "es-MX" → es_MX): the first
    region accepted with that language, else any region accepted that CLDR has the language
    in, so a German reader of the English pages gets en_DE ("6.500,00 €"). English with no
    region at all (no header, "en", "*", or a language we don't speak) is DEFAULT_LOCALE.
    """
    tags = [tag for tag in (_language_and_region(text) for text in accepted) if tag]
    if language not in LANGUAGES:
        language = next((lang for lang, _ in tags if lang in LANGUAGES), "en")
    regions = [region for lang, region in tags if region and lang == language] + [region for _, region in tags if region]
    for region in regions:
        if found := _locale_of(language, region):
            return found
    return supported_locale(language)


def _locale_of(language: str, region: str | None) -> str | None:
    if language not in LANGUAGES:
        return None
    if region and f"{language}_{region}" in LOCALES:
        return f"{language}_{region}"
    return DEFAULT_LOCALE if language == "en" else language


def _language_and_region(tag: str) -> tuple[str, str | None] | None:
    """("en", "US") from "en-US" or "en-Latn-US"; None from "*" or anything that isn't a language tag."""
    parts = tag.replace("_", "-").split("-")
    language = parts[0].lower()
    if not (2 <= len(language) <= 3 and language.isalpha()):
        return None
    region = next((part.upper() for part in parts[1:3] if _territory(part)), None)
    return language, region


def select_locale() -> str | None:
    """Flask-Babel's locale selector: the cookie's language and the browser's regions; None outside a request."""
    if not has_request_context():
        return None
    # q=0 means "not this one"; a header of hundreds of entries is cut, not read whole.
    accepted = [value for value, quality in request.accept_languages if quality > 0][:10]
    return negotiate(request.cookies.get(COOKIE), accepted)


def current_locale() -> str:
    """The locale this request speaks and formats in, as a booking stores it: "en_US", "es_MX", "en_GB"."""
    return supported_locale(str(get_locale() or DEFAULT_LOCALE))


@contextmanager
def in_locale(name: str | None) -> Iterator[str]:
    """Messages and formats in the locale `name` (a booking's), or DEFAULT_LOCALE if it is not one of LOCALES.

    For an email built in the worker or in another visitor's request: the client reads it in the
    language they booked in. Needs an app context, as Flask-Babel's force_locale does.
    """
    chosen = supported_locale(name)
    with force_locale(chosen):
        yield chosen


def page_language() -> str:
    """The page's `lang`, as HTML wants it: "en-GB", "es-MX"."""
    return current_locale().replace("_", "-")


def language_links() -> list[dict]:
    """The footer switcher's links, each back to this page in its language; none outside a request."""
    if not has_request_context():
        return []
    here = _this_page()
    speaking = Locale.parse(current_locale()).language
    return [
        {"code": code, "name": name, "current": code == speaking, "href": url_for("language.choose", code=code, next=here)}
        for code, name in LANGUAGES.items()
    ]


def _this_page() -> str:
    # A form's answer can't be fetched again by a link: after a post, its page's own address.
    if request.method in ("GET", "HEAD"):
        return request.script_root + request.full_path.rstrip("?")
    return request.script_root + request.path


@bp.get("/<code>")
def choose(code: str) -> Response:
    """Remember the visitor's language for a year and go back to the page they were on."""
    if code not in LANGUAGES:
        abort(404)
    response = redirect(local_path(request.args.get("next"), default=request.script_root + "/"), code=303)
    response.set_cookie(
        COOKIE,
        code,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response


def _vary_on_language(response: Response) -> Response:
    # The same address answers in another language for another cookie or header: caches must know.
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    """Flask-Babel with Tend's locale choice, and the template helpers that read times in it."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    # Flask-Babel pairs each domain with the directory at the same place in its list.
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(["../translations"] * len(DOMAINS)))
    app.config.setdefault("BABEL_DOMAIN", ";".join(DOMAINS))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        current_locale=current_locale,
        page_language=page_language,
        language_links=language_links,
        zone_label=zones.zone_label,
        zone_menu=zones.zone_menu,
        practice_time=zones.practice_time,
        both_times=zones.both_times,
    )
    app.after_request(_vary_on_language)
