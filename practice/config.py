"""Settings read from the environment, in one place."""
import os
from pathlib import Path


def _instance_sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "tend.sqlite3")


def settings_from_environment(instance_path: str) -> dict:
    """Return the Flask config for this process; every knob is an environment variable."""
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY", "dev-only-secret-change-me"),
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
        "BASE_URL": os.environ.get("BASE_URL", ""),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 256 * 1024,
    }
