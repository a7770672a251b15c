"""A London practice open every day, whose service page the locale tests read."""
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from tests.factories import make_practitioner, make_service, make_weekly_hours, service_path

PRACTICE_ZONE = "Europe/London"


@pytest.fixture
def offer(app):
    with app.app_context():
        practitioner = make_practitioner(timezone=PRACTICE_ZONE)
        make_weekly_hours(practitioner)
        service = make_service(practitioner)
        day = datetime.now(ZoneInfo(PRACTICE_ZONE)).date() + timedelta(days=2)
        return SimpleNamespace(path=service_path(service), day=day)
