"""Sealed columns: client text encrypted at rest with Fernet, under keys that can be rotated."""
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

#: app.extensions key for the MultiFernet built from PRACTICE_DATA_KEYS.
KEYRING = "tend.data_keys"


class DataKeyError(RuntimeError):
    """The data keys are missing or malformed, or a sealed value cannot be opened with them."""


def parse_keys(text: str | None) -> list[str]:
    """PRACTICE_DATA_KEYS as a list: comma-separated Fernet keys, newest first."""
    return [key.strip() for key in (text or "").split(",") if key.strip()]


def keyring(keys: list[str]) -> MultiFernet:
    """Seals with the first key and opens with any of them."""
    if not keys:
        raise DataKeyError("no data key given")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise DataKeyError("a data key is not a Fernet key (32 url-safe base64-encoded bytes)") from None


def install(app: Flask) -> None:
    """Build the app's keyring, or refuse to start: client data must never be written unsealed.

    A test app without keys gets a throwaway one, so a test never depends on a key on disk.
    """
    keys = parse_keys(app.config.get("PRACTICE_DATA_KEYS"))
    if not keys and app.testing:
        keys = [Fernet.generate_key().decode()]
    if not keys:
        raise RuntimeError(
            "Set PRACTICE_DATA_KEYS, or run `make run`, which keeps one in instance/data_keys: "
            "clients' notes and phone numbers are encrypted with it."
        )
    app.extensions[KEYRING] = keyring(keys)


def current_keyring() -> MultiFernet:
    return current_app.extensions[KEYRING]


def seal(plain: str) -> str:
    return current_keyring().encrypt(plain.encode("utf-8")).decode("ascii")


def unseal(token: str) -> str:
    try:
        return current_keyring().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError):
        raise DataKeyError(
            "a sealed value cannot be opened with PRACTICE_DATA_KEYS: is a key missing from the list?"
        ) from None


class SealedText(TypeDecorator):
    """Text stored as a Fernet token; read back as the text it sealed.

    An empty string stays empty, so "no note" costs nothing to store or check; whatever is
    written is sealed. The database can't compare or search a sealed value: filter in Python.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect):
        if value is None or value == "":
            return value
        return seal(value)

    def process_result_value(self, value: str | None, dialect):
        if value is None or value == "":
            return value
        return unseal(value)
