"""`make test` fails when a client-facing string is untranslated.

Two checks, one per way a string can escape translation:
- every message an area's sources wrap (extracted by babel/<domain>.cfg, as pybabel does) has a
  Spanish translation in translations/es/LC_MESSAGES/<domain>.po, not empty and not fuzzy;
- no client-facing template holds English outside a translation: text between tags, the
  attributes people read (aria-label, title, alt, placeholder), and sentences in expressions.
"""
import re
from html import unescape
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment
from jinja2.ext import i18n

from practice.i18n import DOMAINS
from practice.notifications.models import CLIENT_KINDS

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("es",)
KEYWORDS = DEFAULT_KEYWORDS | {"lazy_gettext": None, "lazy_ngettext": (1, 2)}
#: The templates a client (or a client's email) shows; admin pages are for practitioners, in English.
CLIENT_TEMPLATES = (
    "templates/base.html",
    "templates/_form_field.html",
    "templates/_error_summary.html",
    "templates/errors/*.html",
    "templates/booking/*.html",
    "templates/intake/client/*.html",
    "templates/privacy/your_data.html",
    "templates/privacy/erasure.html",
    "templates/privacy/_manage_links.html",
    "templates/payments/_pay_step.html",
    "templates/payments/confirming.html",
    "templates/payments/not_paid.html",
    "templates/payments/_manage_payment.html",
    "templates/notifications/_layout.*",
    "templates/notifications/_email.*",
    "templates/notifications/_refund_words.txt",
)
#: Text that reads the same in every language: symbols, and names that are not words to translate.
LANGUAGE_FREE = re.compile(r"Tend|UTC|English|Español|Google Calendar|Outlook|OpenStreetMap|\.ics|[^A-Za-z]")
READ_ATTRIBUTES = re.compile(r"""\b(?:aria-label|title|alt|placeholder)\s*=\s*(["'])(.*?)\1""", re.S)
#: Inline CSS and font stacks in the emails' macros are not prose.
STYLE_OR_FONTS = re.compile(r"[a-z-]+:[^;]+;|style=|sans-serif|serif\b")
ATTRIBUTE_SYNTAX = re.compile(
    r"""[\w-]+=("[^"]*"?|'[^']*'?)|"|\b(?:required|checked|disabled|selected|hidden|readonly|multiple|open)\b"""
)
GETTEXT_CALLS = {"_", "gettext", "ngettext", "pgettext", "lazy_gettext"}


def extracted(domain: str) -> set[str]:
    with open(ROOT / "babel" / f"{domain}.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    return {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)
        if message
    }


def untranslated(domain: str, language: str) -> list[str]:
    path = ROOT / "translations" / language / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        return [f"(no {path.relative_to(ROOT)})"]
    with open(path, "rb") as po:
        catalogue = read_po(po)
    missing = []
    for msgid in sorted(extracted(domain)):
        entry = catalogue.get(msgid)
        strings = entry.string if entry and isinstance(entry.string, tuple) else (entry.string if entry else "",)
        if entry is None or entry.fuzzy or not all(strings):
            missing.append(msgid)
    return missing


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_wrapped_message_is_translated(domain, language):
    missing = untranslated(domain, language)

    assert not missing, f"{len(missing)} message(s) of {domain} untranslated in {language}:\n" + "\n".join(missing[:40])


def client_templates() -> list[Path]:
    emails = [f"templates/notifications/{kind.value}.*" for kind in CLIENT_KINDS]
    return sorted({path for pattern in (*CLIENT_TEMPLATES, *emails) for path in ROOT.glob(pattern)})


def english_outside_translations(source: str) -> list[tuple[int, str]]:
    """(line, text) of each piece of readable text the template shows without translating it."""
    found = []
    translating = 0
    calls: list[str | None] = []
    previous = previous_name = None
    in_tag = False
    for line, kind, value in Environment(extensions=[i18n]).lex(source):
        if kind == "name" and previous == "block_begin" and value in ("trans", "pluralize"):
            translating = 1
        elif kind == "name" and previous == "block_begin" and value == "endtrans":
            translating = 0
        elif kind == "data":
            pieces, in_tag = _readable(value, in_tag)
            found += [(line, text) for text in pieces if not translating]
        elif kind == "operator" and value == "(":
            calls.append(previous_name if previous == "name" else None)
        elif kind == "operator" and value == ")" and calls:
            calls.pop()
        elif kind == "string" and not translating and not (calls and calls[-1] in GETTEXT_CALLS):
            text = value[1:-1]  # lex() gives a string as written, quotes and all
            if " " in text.strip() and _has_words(text) and not STYLE_OR_FONTS.search(text):
                found.append((line, text))
        if kind == "name":
            previous_name = value
        if kind != "whitespace":
            previous = kind
    return found


def _readable(data: str, in_tag: bool) -> tuple[list[str], bool]:
    """The readable pieces of a template's literal text, and whether it ends inside a tag.

    Expressions may cut a tag in pieces ("<a href=\"{{ … }}\" class=\"x\">"), so whether a piece
    is markup depends on the pieces before it. Inside a tag only the attributes people read count.
    """
    data = re.sub(r"<!--.*?-->", " ", data, flags=re.S)
    outside, markup = [], []
    for part in re.split(r"([<>])", data):
        if part == "<":
            in_tag = True
        elif part == ">":
            in_tag = False
        else:
            (markup if in_tag else outside).append(part)
    pieces = [unescape(match[1]) for match in READ_ATTRIBUTES.findall(" ".join(markup))]
    pieces += [unescape(line) for part in outside for line in part.split("\n")]
    # A macro may write attributes for a tag that an expression opened: markup too.
    pieces = [ATTRIBUTE_SYNTAX.sub(" ", piece) for piece in pieces]
    return [" ".join(piece.split()) for piece in pieces if _has_words(piece) and not STYLE_OR_FONTS.search(piece)], in_tag


def _has_words(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]{2,}", LANGUAGE_FREE.sub(" ", unescape(text))))


@pytest.mark.parametrize("template", client_templates(), ids=lambda path: str(path.relative_to(ROOT / "templates")))
def test_client_templates_show_no_english_outside_a_translation(template):
    found = english_outside_translations(template.read_text())

    assert not found, "\n".join(f"{template.name}:{line}: {text!r}" for line, text in found)


def test_the_template_check_finds_english_where_it_hides():
    source = (
        '<h1>Your booking</h1>{{ _("Fine") }}{% trans %}Also fine{% endtrans %}'
        '<a aria-label="Close this">×</a>{{ "a form" if n == 1 else "two forms" }}<p>{{ start }} · 10</p>'
        '<img alt="{{ _("Fine as well") }}">{{ _("Fine, with %(x)s", x=f("not this one")) }}'
    )

    assert [text for _, text in english_outside_translations(source)] == ["Your booking", "Close this", "a form", "two forms", "not this one"]
