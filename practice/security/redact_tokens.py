"""A logging filter that keeps manage, payment, reset, invitation, intake and email-confirmation tokens out of request logs."""
import logging
import re

#: The path segment after /manage/, /pay/, /reset/, /join/, /intake/ or /confirm-booking/ is a bearer token: whoever reads it holds the
#: booking, the account or the client's intake answers.
TOKEN_SEGMENT = re.compile(r"/(manage|pay|reset|join|intake|confirm-booking)/[^/\s?#\"']+")


def redact(text: str) -> str:
    return TOKEN_SEGMENT.sub(r"/\1/…", text)


class RedactTokens(logging.Filter):
    """Rewrites `/manage/<token>`, `/pay/<token>`, `/reset/<token>`, `/join/<token>` and `/intake/<token>` to `/manage/…` and so on in a record's message and args."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install(logger: logging.Logger) -> None:
    """Add the filter to `logger` once, however many apps are created in this process."""
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())
