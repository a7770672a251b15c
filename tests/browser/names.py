"""The words a page is found by in each language, read from the app's own compiled catalogues."""
import re
from collections.abc import Callable
from pathlib import Path

from babel.support import Translations

from practice.i18n import DOMAINS

#: Where `make translations` compiles translations/<lang>/LC_MESSAGES/<domain>.mo.
TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
#: The browser locale each language's pages are opened in; Chromium sends it as Accept-Language.
BROWSER_LOCALES = {"en": "en-GB", "es": "es-ES"}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class Untranslated(LookupError):
    """A message a test finds the page by has no translation in the compiled catalogues yet."""


def names(lang: str) -> Callable[..., str]:
    """t = names("es"); t("Review booking") → the Spanish button text; t("Start “%(title)s”", title=…) fills it in.

    English is the source language, so names("en") gives each message back as written. In any
    other language a message missing from every catalogue raises Untranslated, naming it: a
    test that found the English words on a Spanish page would prove nothing about Spanish.
    """
    catalogue = _catalogue(lang) if lang != "en" else None

    def t(message: str, **values) -> str:
        if catalogue is None:
            text = message
        elif message in catalogue:
            text = catalogue[message]
        else:
            raise Untranslated(f"{message!r} is not translated in translations/{lang}/LC_MESSAGES/*.mo ({', '.join(DOMAINS)})")
        return text % values if values else text

    return t


def matching(text: str) -> re.Pattern[str]:
    """A translated message whose %(placeholders)s are not known in advance, as a pattern for the whole name.

    matching(t("Times on %(day)s")) matches "Times on Wednesday 4 March" and its Spanish.
    """
    parts = _PLACEHOLDER.split(text)
    # split() alternates text and placeholder names: escape the text, let each placeholder be anything.
    return re.compile("^" + "".join(re.escape(part) if i % 2 == 0 else ".+?" for i, part in enumerate(parts)) + "$")


def _catalogue(lang: str) -> dict[str, str]:
    merged = Translations()
    for domain in DOMAINS:
        # A domain not compiled yet loads as an empty NullTranslations, which merges as nothing.
        merged.merge(Translations.load(TRANSLATIONS, [lang], domain))
    # Plural entries are keyed (msgid, n); a page is found by singular messages only.
    return {key: value for key, value in merged._catalog.items() if isinstance(key, str) and key}
