"""The public service page, kept rendered in each process while nothing it shows has changed.

It is the busiest page of all, and rendering two weeks of days costs several times what reading
the database does. A kept page is served only when:

- every row the page shows is unchanged: the service, its practice, its practitioner and their
  membership are read whole in one statement and hashed into the key, and the practitioner's
  hours and bookings stand in it through their schedule_version (see migration 0009);
- the visitor is the same kind of visitor: the same path and query, the same language and
  locale, and no cookie but the language one (someone logged in, or with a message waiting,
  sees a page of their own);
- the clock has not moved past the page's `true_until`: the free times' own horizon, the
  client's midnight (the page opens on today), and midnight UTC (the zone menu's offsets).

tests/booking/test_page_memory.py fails when the page reads a table not named in _SHOWN.
"""
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from flask import Response, make_response, request
from sqlalchemy import bindparam, select
from werkzeug.http import generate_etag

from practice.accounts.models import Membership, Practice, Practitioner
from practice.app_memory import AppMemory
from practice.catalog.models import Service, ServiceStatus
from practice.extensions import db
from practice.i18n import COOKIE, current_locale
from practice.sqltypes import MAX_ID

#: Every column of every row the page shows, the practitioner's schedule_version among them.
_SHOWN = (
    select(Service.__table__, Practice.__table__, Practitioner.__table__, Membership.__table__)
    .join_from(Service.__table__, Practice.__table__, Service.__table__.c.practice_id == Practice.__table__.c.id)
    .join(Practitioner.__table__, Service.__table__.c.practitioner_id == Practitioner.__table__.c.id)
    .join(Membership.__table__, Membership.__table__.c.practitioner_id == Practitioner.__table__.c.id)
    .where(
        Service.__table__.c.id == bindparam("service"),
        Service.__table__.c.status == ServiceStatus.published,
        Practice.__table__.c.slug == bindparam("practice_slug"),
        Practitioner.__table__.c.slug == bindparam("practitioner_slug"),
    )
)
#: Pages of some 40 kB each: about 10 MB a process at most.
_pages = AppMemory("service_pages", size=256)


@dataclass(frozen=True)
class _Kept:
    body: bytes
    etag: str
    kept_at: datetime
    true_until: datetime


def page_key(practice_slug: str, practitioner_slug: str, service_id: int) -> bytes | None:
    """What the page depends on, hashed: None when no such published service (or when the visitor has a page of their own)."""
    if set(request.cookies) - {COOKIE} or service_id > MAX_ID:
        return None
    values = {"service": service_id, "practice_slug": practice_slug, "practitioner_slug": practitioner_slug}
    rows = db.session.execute(_SHOWN, values).one_or_none()
    if rows is None:
        return None
    shown = (tuple(rows), request.full_path, current_locale(), request.cookies.get(COOKIE))
    # A digest, so that the key holds no copy of the rows (the practitioner's password hash among them).
    return hashlib.blake2b(repr(shown).encode(), digest_size=32).digest()


def kept_page(key: bytes | None, now: datetime) -> Response | None:
    """The page kept under `key`, if it is still true at `now`."""
    kept = _pages.get(key) if key is not None else None
    if kept is None or not kept.kept_at <= now < kept.true_until:
        return None
    response = make_response(kept.body)
    response.set_etag(kept.etag)
    return response


def keep_page(key: bytes | None, body: bytes, now: datetime, true_until: datetime) -> None:
    if key is None:
        return
    # The zone menu gives each zone's offset today.
    next_utc_midnight = datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(0), tzinfo=UTC)
    _pages.put(key, _Kept(body, generate_etag(body), now, min(true_until, next_utc_midnight)))
