"""Settings read from the environment, in one place."""
import os
from pathlib import Path

from practice.payment_settings import stripe_settings_from_environment


def default_instance_path() -> str:
    """The project's instance/ folder: the web app and the worker's queue both live there."""
    return str(Path(__file__).resolve().parent.parent / "instance")


def _instance_sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "tend.sqlite3")


def _flag(name: str, default: str) -> bool:
    return os.environ.get(name, default) == "1"


def queue_settings_from_environment(instance_path: str) -> dict:
    """Where the job queue lives: Redis when REDIS_URL is set, a SQLite file otherwise.

    Read apart from the app's config: the Huey instance exists before any app does.
    """
    return {
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "HUEY_NAME": os.environ.get("HUEY_NAME", "tend"),
        "HUEY_SQLITE_PATH": os.environ.get("HUEY_SQLITE_PATH") or str(Path(instance_path) / "huey.sqlite3"),
    }


def mail_settings_from_environment(instance_path: str) -> dict:
    """SMTP settings; with no MAIL_SERVER, mail is written to files under MAIL_FILE_DIR."""
    return {
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", "1"),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL", "0"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "bookings@localhost"),
        # On: write messages to MAIL_FILE_DIR even when a MAIL_SERVER is set. Stated
        # explicitly because Flask-Mail would otherwise read TESTING as "suppress".
        "MAIL_SUPPRESS_SEND": _flag("MAIL_SUPPRESS_SEND", "0"),
        "MAIL_TIMEOUT_SECONDS": float(os.environ.get("MAIL_TIMEOUT_SECONDS", "30")),
        "MAIL_FILE_DIR": os.environ.get("MAIL_FILE_DIR") or str(Path(instance_path) / "mail"),
    }


def _https_by_default(base_url: str) -> str:
    return "1" if base_url.lower().startswith("https://") else "0"


def security_settings_from_environment(base_url: str) -> dict:
    """Cookie and proxy settings; cookies are Secure by default when BASE_URL is https."""
    # A session or remember cookie sent over plain http can be read on the way by anyone on
    # the network; an install whose links are https is served over https. The environment
    # still decides either way (SESSION_COOKIE_SECURE=0 for a local http test of such a config).
    secure = _flag("SESSION_COOKIE_SECURE", _https_by_default(base_url))
    return {
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        # How many reverse proxies stand in front and append to X-Forwarded-For; 0 trusts none.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # Flask-WTF's extra Referer check on https cannot pass on the manage and reset pages,
        # which send no Referer by design; the CSRF token and the SameSite=Lax cookie remain.
        "WTF_CSRF_SSL_STRICT": False,
    }


def _stored(instance_path: str, name: str) -> str | None:
    """A key `make run` keeps in instance/<name> (secret_key, data_keys), used when the environment sets none."""
    path = Path(instance_path) / name
    if not path.exists():
        return None
    return path.read_text().strip() or None


def data_keys_path(instance_path: str) -> Path:
    return Path(instance_path) / "data_keys"


def settings_from_environment(instance_path: str) -> dict:
    """Return the Flask config for this process; every knob is an environment variable."""
    base_url = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _stored(instance_path, "secret_key"),
        # Fernet keys, newest first, that seal clients' notes and phone numbers at rest.
        "PRACTICE_DATA_KEYS": os.environ.get("PRACTICE_DATA_KEYS") or _stored(instance_path, "data_keys"),
        # Where the keys came from when the environment sets none: `flask rotate-data-key` rewrites it.
        "DATA_KEYS_FILE": "" if os.environ.get("PRACTICE_DATA_KEYS") else str(data_keys_path(instance_path)),
        # Off: after the first practice, people join only by an owner's invitation. On: an
        # install hosting several independent practices lets anyone set up their own.
        "ALLOW_SIGNUP": _flag("ALLOW_SIGNUP", "0"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or _instance_sqlite_url(instance_path),
        # Query parameters carry names, emails and notes: keep them out of logs and errors.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI")
        or os.environ.get("REDIS_URL")
        or "memory://",
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") == "1",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "BOOKING_RATE_LIMIT": os.environ.get("BOOKING_RATE_LIMIT", "30 per minute"),
        "LOST_LINK_RATE_LIMIT_IP": os.environ.get("LOST_LINK_RATE_LIMIT_IP", "10 per hour"),
        "LOST_LINK_RATE_LIMIT_ADDRESS": os.environ.get("LOST_LINK_RATE_LIMIT_ADDRESS", "3 per hour"),
        # Every link in an email starts with this, never with a request's Host header.
        "BASE_URL": base_url,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 256 * 1024,
        **mail_settings_from_environment(instance_path),
        **security_settings_from_environment(base_url),
        **stripe_settings_from_environment(os.environ),
    }
