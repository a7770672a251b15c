"""Time the payment path against a Stripe-compatible server: "Confirm and pay", the webhook, and a replayed webhook.

Run from the project root: .venv/bin/python benchmarks/payments.py [--payments N]

The app is served over loopback (a threaded werkzeug server, one process) on a fresh
SQLite database; Stripe is localstripe with the test suite's Checkout Sessions
(tests/payments/stripe_server.py), in this process. Each payment is a distinct one-hour
slot. Figures, in milliseconds:

- "Confirm and pay": the hold (book() with its lock), the payment row, and Stripe's
  Checkout Session, until the redirect to it;
- the webhook for `checkout.session.completed`: verify, fetch the session again from Stripe,
  then record the event, confirm the booking and queue its emails in one transaction;
- the same event delivered again: answered from the recorded event id, with nothing changed.

Stripe waits up to 20 seconds for a webhook's answer; the target here is a p95 under 500 ms
for the first delivery and under 50 ms for a replay.
"""
import sys
from pathlib import Path

# Run as a script, this folder would come first on the path, and its http.py would shadow the
# standard library's http (imported by http.client, urllib and Flask): the project root goes there.
PROJECT = Path(__file__).resolve().parent.parent
sys.path[0] = str(PROJECT)

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402
from datetime import time as clock  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from flask_migrate import upgrade  # noqa: E402

from practice import create_app  # noqa: E402
from practice.catalog.pricing import PaymentMode  # noqa: E402
from practice.timeformats import instant_for_url  # noqa: E402
from tests.factories import make_practitioner, make_service, make_weekly_hours, service_path  # noqa: E402
from tests.live_server import serving  # noqa: E402
from tests.payments.stripe_server import StripeServer, sign  # noqa: E402

ZONE = "Europe/London"
SECRET = "whsec_benchmark"
#: Only ever seals this benchmark's own throwaway data.
DATA_KEY = "Xz80qyBg76ACGCUBJ3uEJnVQ__YbsJvCDlyjGYbbo-M="
TARGETS_MS = {"webhook": 500, "replayed webhook": 50}


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def build_app(database: Path, stripe: StripeServer):
    app = create_app(
        {
            "SECRET_KEY": "benchmark",
            "PRACTICE_DATA_KEYS": DATA_KEY,
            "DATA_KEYS_FILE": "",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "OUTBOX_ENQUEUE": False,
            "STRIPE_SECRET_KEY": stripe.api_key,
            "STRIPE_WEBHOOK_SECRET": SECRET,
            "STRIPE_API_BASE": stripe.url,
            "STRIPE_CHECKOUT_ORIGIN": stripe.url,
        }
    )
    with app.app_context():
        upgrade(directory=str(PROJECT / "migrations"))
    return app


def offer(app) -> str:
    with app.app_context():
        practitioner = make_practitioner(timezone=ZONE, max_advance_days=365, min_notice_minutes=0)
        make_weekly_hours(practitioner, start=clock(8), end=clock(20))
        service = make_service(practitioner, payment_mode=PaymentMode.deposit, price_cents=6500, deposit_cents=2000)
        return service_path(service)


def slots(count: int):
    day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=2)
    made = 0
    while made < count:
        for hour in range(8, 20):
            yield datetime.combine(day, clock(hour), tzinfo=ZoneInfo(ZONE))
            made += 1
            if made == count:
                return
        day += timedelta(days=1)


def timed(send) -> tuple[float, object]:
    started = time.perf_counter()
    result = send()
    return (time.perf_counter() - started) * 1000, result


def confirm_and_pay(base_url: str, path: str, start: datetime, n: int) -> str:
    form = {
        "name": f"Client {n}", "email": f"client{n}@example.org", "start": instant_for_url(start),
        "timezone": ZONE, "submission": f"benchmark-submission-{n:06d}",
    }
    request = urllib.request.Request(f"{base_url}{path}/pay", data=urllib.parse.urlencode(form).encode(), method="POST")
    try:
        urllib.request.build_opener(KeepRedirects).open(request, timeout=30)
    except urllib.error.HTTPError as answer:
        if answer.code != 303:
            raise SystemExit(f"confirm and pay answered {answer.code}")
        return answer.headers["Location"].rsplit("/", 1)[-1]
    raise SystemExit("confirm and pay did not redirect to Stripe")


def deliver(base_url: str, body: str) -> None:
    request = urllib.request.Request(
        f"{base_url}/stripe/webhook", data=body.encode(), method="POST",
        headers={"Content-Type": "application/json", "Stripe-Signature": sign(body, SECRET)},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        if answer.status != 200:
            raise SystemExit(f"the webhook answered {answer.status}")


def report(label: str, figures: list[float]) -> bool:
    ordered = sorted(figures)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    target = TARGETS_MS.get(label)
    verdict = "" if target is None else f"  target p95 < {target} ms: {'met' if p95 < target else 'MISSED'}"
    print(f"{label:>18}: p50 {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms   n={len(ordered)}{verdict}")
    return target is None or p95 < target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=60)
    count = parser.parse_args().payments
    with tempfile.TemporaryDirectory() as folder, StripeServer() as stripe:
        app = build_app(Path(folder) / "tend.sqlite3", stripe)
        path = offer(app)
        paying, webhook, replayed = [], [], []
        with serving(app) as base_url:
            for n, start in enumerate(slots(count)):
                elapsed, session_id = timed(lambda: confirm_and_pay(base_url, path, start, n))  # noqa: B023
                paying.append(elapsed)
                # Completed with no webhook registered: the event is then delivered, timed, by hand.
                event = stripe.event(stripe.complete(session_id)["event"])
                body = json.dumps(event)
                webhook.append(timed(lambda: deliver(base_url, body))[0])  # noqa: B023
                replayed.append(timed(lambda: deliver(base_url, body))[0])  # noqa: B023
        print(f"Payment path on SQLite, {count} payments, against localstripe on loopback:")
        results = [report("confirm and pay", paying), report("webhook", webhook), report("replayed webhook", replayed)]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
