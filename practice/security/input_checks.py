"""Input refused before any view sees it: NUL characters anywhere, and JSON nested deeper than any request needs."""
import json
import re
from collections.abc import Iterable, Iterator

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider

from practice.errors import error_response

NUL = "\x00"
NUL_MESSAGE = (
    "Something you sent contains a hidden “null” character that we can't store. "
    "It can slip in when text is pasted from another program: please retype it and try again."
)
#: Far deeper than any request here (the API's bodies are one object deep), far shallower
#: than the recursion limit Python's json parser would otherwise hit with a 500.
MAX_JSON_DEPTH = 32
#: A JSON string (skipped whole, so brackets inside it don't count) or a bracket.
_JSON_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_nested_deeper_than(text: str, limit: int) -> bool:
    """Whether `text`'s arrays and objects nest more than `limit` levels: one linear scan, no recursion."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _JSON_STRING_OR_BRACKET.finditer(text):
        depth += _DEPTH_STEP.get(match.group(), 0)
        if depth > limit:
            return True
    return False


class DepthLimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing over-deep documents as malformed (ValueError, so a 400) before parsing.

    Python's parser recurses once per level and raises RecursionError, which no caller of
    request.get_json() expects — not even with silent=True.
    """

    def loads(self, s: str | bytes, **kwargs):
        # Decoded as json.loads itself would decode it; a bad encoding is a ValueError too.
        text = s.decode(json.detect_encoding(s), "surrogatepass") if isinstance(s, bytes) else s
        if json_nested_deeper_than(text, MAX_JSON_DEPTH):
            raise ValueError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep")
        return super().loads(text, **kwargs)


def refuse_nul_characters():
    """Answer 400 if a NUL is in the path, the query, the form or a JSON string.

    PostgreSQL refuses NUL in text (a 500 at the insert) and SQLite would store it; no
    person means to type one, so it is refused once, here, before any view runs.
    """
    if any(NUL in text for text in _texts_of_request()):
        return error_response(400, NUL_MESSAGE)
    return None


#: The bodies request.form reads; any other body leaves it empty.
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _texts_of_request() -> Iterator[str]:
    yield request.path
    # Asking request.form of a request without a form body (every GET) would only cost time.
    for values in (request.args, request.form) if request.mimetype in FORM_TYPES else (request.args,):
        for key, value in values.items(multi=True):
            yield key
            yield value
    if request.is_json:
        yield from _strings_in(request.get_json(silent=True))


def _strings_in(document) -> Iterator[str]:
    """Every key and string value in a parsed JSON document, walked without recursion."""
    pending: list = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(_keys_and_values(item))
        elif isinstance(item, list):
            pending.extend(item)


def _keys_and_values(mapping: dict) -> Iterable:
    for key, value in mapping.items():
        yield key
        yield value


def install(app: Flask) -> None:
    """Use the depth-limited JSON parser and refuse NUL characters before every other check."""
    app.json = DepthLimitedJSONProvider(app)
    app.before_request(refuse_nul_characters)
