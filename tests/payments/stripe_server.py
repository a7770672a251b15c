"""A Stripe-compatible server for the payment tests: localstripe's real app plus Checkout Sessions.

`StripeServer().start()` serves `localstripe.server.app` in-process on 127.0.0.1 (a free port,
a daemon thread with its own asyncio loop), so the app's real `stripe.StripeClient`, pointed at
`server.url`, talks HTTP to it. Added to localstripe:

* `POST/GET /v1/checkout/sessions`, `GET /v1/checkout/sessions/{id}`,
  `POST /v1/checkout/sessions/{id}/expire` — one-off `mode=payment` sessions, Stripe-shaped;
* `Idempotency-Key` on every `POST /v1/...` (replay, or 400 `idempotency_error` on other params);
* test-only routes under `/_test/` (no auth): complete a session with a real localstripe
  PaymentIntent and deliver signed webhooks synchronously, redeliver or deliver events, and a
  small hosted checkout page for browser tests.

Only one StripeServer can run at a time: localstripe keeps its data and webhooks in globals.
Nothing is written to disk (localstripe's pickle of its store is switched off while running).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

with warnings.catch_warnings():
    # localstripe registers plain (non-async) handlers, which aiohttp deprecates at import.
    warnings.filterwarnings("ignore", message="Bare functions are deprecated", category=DeprecationWarning)
    from localstripe import resources as ls
    from localstripe import server as ls_server
    from localstripe import webhooks as ls_webhooks
    from localstripe.errors import UserError

__all__ = ["CheckoutSession", "StripeServer", "StripeServerError", "app"]

app = ls_server.app
API_KEY = "sk_test_stripe_server"
WEBHOOK_TIMEOUT_S = 10
DECLINED_CARD = "pm_card_chargeCustomerFail"
ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())
THREE_DECIMAL = frozenset("bhd jod kwd omr tnd".split())

# The one running server; the routes below are added once to localstripe's global app.
_active: StripeServer | None = None


class StripeServerError(Exception):
    """A convenience method got an unexpected HTTP status; `.status` and `.body` (parsed JSON or text)."""

    def __init__(self, status: int, body: Any):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


# --------------------------------------------------------------------------- helpers


def _json(data: Any, status: int = 200) -> web.Response:
    return ls_server.json_response(data, status=status)


def _error(status: int, message: str, type: str = "invalid_request_error", **extra: Any) -> web.Response:
    return _json({"error": {"type": type, "message": message, **extra}}, status=status)


def _bad(message: str, param: str | None = None) -> UserError:
    return UserError(400, message, {"param": param} if param else None)


async def _params(request: web.Request) -> dict:
    """The request's form or JSON body as localstripe parses it (`a[b][0]=x` → nested), or {}."""
    data = await ls_server.get_post_data(request)
    return dict(data) if isinstance(data, dict) and data else {}


def _int(value: Any, param: str) -> int:
    if isinstance(value, bool):
        raise _bad(f"Invalid integer: {value}", param)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise _bad(f"Invalid integer: {value}", param)


def _str(value: Any, param: str, max_length: int = 5000) -> str:
    if not isinstance(value, str):
        raise _bad(f"Invalid string: {value!r}", param)
    if len(value) > max_length:
        raise _bad(f"Invalid string: must be at most {max_length} characters", param)
    return value


def _url(value: Any, param: str) -> str:
    value = _str(value, param)
    if not value.startswith(("http://", "https://")):
        raise _bad("Not a valid URL", param)
    return value


def _metadata(value: Any, param: str) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise _bad("Invalid object", param)
    if len(value) > 50:
        raise _bad("Metadata can have at most 50 keys", param)
    out = {}
    for key, item in value.items():
        if len(key) > 40:
            raise _bad("Metadata keys must be at most 40 characters", f"{param}[{key}]")
        if not isinstance(item, (str, int)) or isinstance(item, bool) or len(str(item)) > 500:
            raise _bad("Metadata values must be strings of at most 500 characters", f"{param}[{key}]")
        out[key] = str(item)
    return out


def _only(data: dict, allowed: set[str], prefix: str = "") -> None:
    for key in data:
        if key not in allowed:
            raise _bad(
                f"Received unknown parameter: {prefix}{key} "
                f"(this test server accepts {', '.join(sorted(allowed))})",
                f"{prefix}{key}",
            )


def format_amount(amount: int, currency: str) -> str:
    """Minor units as Stripe's hosted page shows them: 2000 gbp → '20.00 GBP'."""
    code = currency.lower()
    places = 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2
    major = f"{amount / 10 ** places:.{places}f}" if places else str(amount)
    return f"{major} {currency.upper()}"


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe sends for `payload` under the endpoint's `secret`."""
    t = int(time.time()) if timestamp is None else timestamp
    v1 = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={v1}"


# --------------------------------------------------------------------------- the session object


class CheckoutSession(ls.StripeObject):
    """A Checkout Session kept in localstripe's store, so `Event` and `GET /v1/events/{id}` work.

    Every public attribute is exported as the Stripe object; private ones start with `_`."""

    object = "checkout.session"
    _id_prefix = "cs_test_"

    _CREATE_PARAMS = {
        "mode", "line_items", "success_url", "cancel_url", "client_reference_id", "metadata",
        "customer_email", "expires_at", "payment_intent_data", "payment_method_types", "locale",
    }

    def __init__(self, base_url: str, **data: Any):
        _only(data, self._CREATE_PARAMS)
        now = int(time.time())
        if "mode" not in data:
            raise _bad("Missing required param: mode.", "mode")
        if data["mode"] != "payment":
            raise _bad(
                f"Invalid mode: {data['mode']!r}. This test server supports only mode=payment.", "mode"
            )
        if "success_url" not in data:
            raise _bad("Missing required param: success_url.", "success_url")
        success_url = _url(data["success_url"], "success_url")
        cancel_url = _url(data["cancel_url"], "cancel_url") if data.get("cancel_url") is not None else None

        items = data.get("line_items")
        if not items:
            raise _bad("Missing required param: line_items.", "line_items")
        if not isinstance(items, list):
            raise _bad("Invalid array", "line_items")
        currency, amount_total = None, 0
        for i, item in enumerate(items):
            p = f"line_items[{i}]"
            if not isinstance(item, dict):
                raise _bad("Invalid object", p)
            if "price" in item:
                raise _bad("This test server supports only price_data, not price ids.", f"{p}[price]")
            _only(item, {"price_data", "quantity"}, p + "[")
            price = item.get("price_data")
            if not isinstance(price, dict):
                raise _bad("Missing required param: price_data.", f"{p}[price_data]")
            _only(price, {"currency", "unit_amount", "product_data"}, f"{p}[price_data][")
            if "quantity" not in item:
                raise _bad(f"Quantity is required. Add `quantity` to `{p}`.", f"{p}[quantity]")
            quantity = _int(item["quantity"], f"{p}[quantity]")
            unit_amount = _int(price.get("unit_amount"), f"{p}[price_data][unit_amount]")
            if quantity < 1:
                raise _bad("This value must be greater than or equal to 1.", f"{p}[quantity]")
            if unit_amount < 1:
                raise _bad("This value must be greater than or equal to 1.", f"{p}[price_data][unit_amount]")
            item_currency = _str(price.get("currency"), f"{p}[price_data][currency]").lower()
            if len(item_currency) != 3:
                raise _bad(f"Invalid currency: {item_currency}", f"{p}[price_data][currency]")
            if currency not in (None, item_currency):
                raise _bad("All line items must have the same currency.", f"{p}[price_data][currency]")
            currency = item_currency
            product = price.get("product_data")
            if not isinstance(product, dict) or not product.get("name"):
                raise _bad("Missing required param: name.", f"{p}[price_data][product_data][name]")
            _only(product, {"name", "description"}, f"{p}[price_data][product_data][")
            _str(product["name"], f"{p}[price_data][product_data][name]")
            amount_total += unit_amount * quantity

        expires_at = now + 86400
        if data.get("expires_at") not in (None, ""):
            expires_at = _int(data["expires_at"], "expires_at")
            if expires_at < now + 1800:
                raise _bad(
                    "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
                    "expires_at",
                )
            if expires_at > now + 86400:
                raise _bad(
                    "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
                    "expires_at",
                )

        pi_data = data.get("payment_intent_data") or {}
        if not isinstance(pi_data, dict):
            raise _bad("Invalid object", "payment_intent_data")
        _only(pi_data, {"metadata"}, "payment_intent_data[")
        methods = data.get("payment_method_types", ["card"])
        if isinstance(methods, str):
            methods = [methods]
        if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
            raise _bad("Invalid array", "payment_method_types")
        client_reference_id = data.get("client_reference_id")
        if client_reference_id is not None:
            client_reference_id = _str(client_reference_id, "client_reference_id", 200)
        customer_email = data.get("customer_email")
        if customer_email is not None:
            customer_email = _str(customer_email, "customer_email", 800)
        locale = data.get("locale")
        if locale is not None:
            locale = _str(locale, "locale", 10)
        metadata = _metadata(data.get("metadata"), "metadata")
        pi_metadata = _metadata(pi_data.get("metadata"), "payment_intent_data[metadata]")

        # All exceptions must be raised before this point (localstripe stores the object here).
        super().__init__()
        self.created = now
        self.amount_subtotal = amount_total
        self.amount_total = amount_total
        self.cancel_url = cancel_url
        self.client_reference_id = client_reference_id
        self.currency = currency
        self.customer = None
        self.customer_details = None
        self.customer_email = customer_email
        self.expires_at = expires_at
        self.locale = locale
        self.metadata = metadata
        self.mode = "payment"
        self.payment_intent = None
        self.payment_method_types = methods
        self.payment_status = "unpaid"
        self.status = "open"
        self.success_url = success_url
        self.url = f"{base_url}/_test/checkout/{self.id}"
        self._payment_intent_metadata = pi_metadata

    @classmethod
    def _api_create(cls, **data):  # never called by localstripe's own routes
        raise UserError(405, "Method Not Allowed")

    @classmethod
    def _get(cls, id: str) -> CheckoutSession:
        obj = ls.store.get(cls.object + ":" + id)
        if obj is None:
            raise UserError(404, f"No such checkout.session: '{id}'", {"code": "resource_missing", "param": "id"})
        return obj

    @classmethod
    def _all(cls) -> list[CheckoutSession]:
        return [v for k, v in ls.store.items() if k.startswith(cls.object + ":")]


# --------------------------------------------------------------------------- the server


@dataclass
class _Saved:
    path: str
    params: Any
    status: int
    body: bytes
    content_type: str


class StripeServer:
    """localstripe's app plus Checkout Sessions, served on 127.0.0.1 in a daemon thread."""

    api_key = API_KEY

    def __init__(self) -> None:
        self.url: str | None = None
        self.idempotency_keys: list[tuple[str, str]] = []  # (path, key) per POST that carried one
        self.deliveries: list[dict] = []  # {"event", "type", "url", "status"} per webhook POST we made
        self._saved: dict[str, _Saved] = {}
        self._in_flight: set[str] = set()
        self._localstripe_tasks: set[asyncio.Task] = set()  # localstripe's own delayed webhooks
        self._background: set[asyncio.Task] = set()  # our deliveries after /v1 ... /expire
        self._captured: list | None = None
        self._webhook_count = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._saved_patches: dict = {}

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> StripeServer:
        global _active
        if _active is not None:
            raise RuntimeError("a StripeServer is already running (localstripe's state is global)")
        _active = self
        self._patch()
        ready = threading.Event()
        failure: list[BaseException] = []
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", 0))
        except BaseException:
            sock.close()
            raise
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                loop.run_until_complete(self._serve(sock))
            except BaseException as exc:  # reported to start()
                failure.append(exc)
                sock.close()
                loop.close()
                ready.set()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name="stripe-server", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure or not ready.is_set():
            self._thread.join(1)
            self._unpatch()
            _active = None
            raise RuntimeError("the Stripe test server did not start") from (failure[0] if failure else None)
        return self

    async def _serve(self, sock: socket.socket) -> None:
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    def stop(self) -> None:
        global _active
        if self._thread is None:
            return
        try:
            self._call(self._shutdown())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._thread = None
            self._loop = None
            app._loop = None  # let a later start() bind the app to a new loop
            self._unpatch()
            _active = None

    async def _shutdown(self) -> None:
        await self._cancel_tasks()
        await self._runner.cleanup()

    def __enter__(self) -> StripeServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget everything: localstripe's data (over HTTP), sessions, idempotency keys, webhooks."""
        self._http("DELETE", "/_config/data")
        self._call(self._forget())

    async def _forget(self) -> None:
        ls_webhooks._webhooks.clear()
        await self._cancel_tasks()
        self._saved.clear()
        self._in_flight.clear()
        self.idempotency_keys.clear()
        self.deliveries.clear()

    async def _cancel_tasks(self) -> None:
        tasks = [t for t in self._localstripe_tasks | self._background if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._localstripe_tasks.clear()
        self._background.clear()

    def _call(self, coro, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _patch(self) -> None:
        self._saved_patches = {
            "dump_to_disk": ls.Store.__dict__["dump_to_disk"],
            "schedule_webhook": ls.schedule_webhook,
            "refund_init": ls.Refund.__dict__["__init__"],
        }
        ls.Store.dump_to_disk = lambda store: None
        ls.schedule_webhook = self._schedule_localstripe_webhook
        ls.Refund.__init__ = _refund_init(self._saved_patches["refund_init"])

    def _unpatch(self) -> None:
        if self._saved_patches:
            ls.Store.dump_to_disk = self._saved_patches["dump_to_disk"]
            ls.schedule_webhook = self._saved_patches["schedule_webhook"]
            ls.Refund.__init__ = self._saved_patches["refund_init"]
            self._saved_patches = {}

    def _schedule_localstripe_webhook(self, event) -> None:
        """localstripe's own events (payment_intent.*): captured while we complete a session, so
        they are delivered synchronously; otherwise sent after localstripe's 1 s sleep, as upstream,
        but tracked so reset() cancels them before they reach a later test's webhook."""
        if self._captured is not None:
            self._captured.append(event)
            return
        task = asyncio.ensure_future(ls_webhooks._send_webhook(event))
        self._localstripe_tasks.add(task)
        task.add_done_callback(self._localstripe_tasks.discard)

    # ------------------------------------------------------------------ webhooks

    def register_webhook(self, url: str, secret: str, events: list[str] | None = None) -> str:
        """Register an endpoint through localstripe's `POST /_config/webhooks/{id}`; returns its id."""
        self._webhook_count += 1
        id = f"we_test_{self._webhook_count}"
        body: dict[str, Any] = {"url": url, "secret": secret}
        if events is not None:
            body["events"] = list(events)
        self._http("POST", f"/_config/webhooks/{id}", json_body=body)
        return id

    async def _deliver(self, event) -> list[int]:
        """POST `event`, freshly signed, to every registered endpoint whose filter allows it."""
        payload = json.dumps(event._export(), indent=2, sort_keys=True)
        statuses = []
        timeout = aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT_S)
        for webhook in list(ls_webhooks._webhooks.values()):
            if webhook.events is not None and event.type not in webhook.events:
                continue
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                "Stripe-Signature": sign(payload, webhook.secret),
            }
            try:
                async with aiohttp.ClientSession(
                    timeout=timeout, connector=aiohttp.TCPConnector(force_close=True)
                ) as client:
                    async with client.post(webhook.url, data=payload.encode(), headers=headers) as response:
                        await response.read()
                        status = response.status
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
                status = 0
            statuses.append(status)
            self.deliveries.append({"event": event.id, "type": event.type, "url": webhook.url, "status": status})
        return statuses

    def _deliver_later(self, event) -> None:
        task = asyncio.ensure_future(self._deliver(event))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def wait_for_deliveries(self, timeout: float = 30) -> None:
        """Wait until the webhooks sent in the background (after `/v1/.../expire`) have been answered."""

        async def drain() -> None:
            while self._background:
                await asyncio.gather(*list(self._background), return_exceptions=True)

        self._call(drain(), timeout)

    # ------------------------------------------------------------------ idempotency

    async def _idempotent(self, request: web.Request, handler, key: str) -> web.StreamResponse:
        path = request.path
        self.idempotency_keys.append((path, key))
        params = await ls_server.get_post_data(request, remove_auth=False)
        params = dict(params) if params else {}
        saved = self._saved.get(key)
        if saved is not None:
            if saved.path != path:
                return _error(
                    400,
                    "Keys for idempotent requests can only be used for the same endpoint they were first "
                    f"used for ('{saved.path}' vs '{path}'). Try using a key other than '{key}' if you "
                    "meant to execute a different request.",
                    type="idempotency_error",
                )
            if saved.params != params:
                return _error(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters they were first "
                    f"used with. Try using a key other than '{key}' if you meant to execute a different request.",
                    type="idempotency_error",
                )
            return web.Response(
                status=saved.status,
                body=saved.body,
                headers={"Content-Type": saved.content_type, "Idempotent-Replayed": "true"},
            )
        if key in self._in_flight:
            return _error(
                409,
                "There is currently another in-progress request using this Idempotent Key (that probably "
                "means you submitted twice, and the other request is still going through): " + key,
                type="idempotency_error",
            )
        self._in_flight.add(key)
        try:
            try:
                response = await handler(request)
            except UserError as exc:
                response = exc.to_response()
        finally:
            self._in_flight.discard(key)
        # Like Stripe, a request refused by validation (400/401/404/409) saves no result; one that ran does.
        if isinstance(response, web.Response) and (
            response.status < 400 or response.status == 402 or response.status >= 500
        ):
            body = response.body
            if isinstance(body, (bytes, bytearray)):
                self._saved[key] = _Saved(
                    path, params, response.status, bytes(body), response.headers.get("Content-Type", "application/json")
                )
        return response

    # ------------------------------------------------------------------ completing a session

    async def _complete(self, session: CheckoutSession, payment_method: str) -> tuple[int, dict]:
        """Pay for an open session with a real localstripe PaymentIntent; deliver events synchronously."""
        if session.status != "open":
            raise UserError(409, f"This Checkout Session is {session.status}, not open.")
        if not isinstance(payment_method, str) or not payment_method.startswith(("pm_", "card_", "src_")):
            raise _bad(f"Invalid payment_method: {payment_method!r}", "payment_method")
        captured: list = []
        declined = False
        self._captured = captured
        try:
            try:
                if session.payment_intent is None:
                    pi = ls.PaymentIntent._api_create(
                        amount=session.amount_total,
                        currency=session.currency,
                        payment_method=payment_method,
                        metadata=dict(session._payment_intent_metadata),
                        confirm=True,
                    )
                else:  # a retry after a decline pays with the same PaymentIntent, as Stripe does
                    pi = ls.PaymentIntent._api_retrieve(session.payment_intent)
                    ls.PaymentMethod._api_retrieve(payment_method)  # 404 if unknown
                    pi.payment_method = payment_method
                    pi.latest_charge = None
                    pi.next_action = None
                    pi._authentication_failed = False
                    pi._confirm(on_failure_now=pi._report_failure)
            except UserError as exc:
                charge_id = exc.body.get("error", {}).get("charge")
                if exc.code != 402 or not charge_id:
                    raise
                declined = True
                pi = ls.PaymentIntent._api_retrieve(ls.Charge._api_retrieve(charge_id).payment_intent)
        finally:
            self._captured = None
        session.payment_intent = pi.id

        if not declined:
            for _ in range(200):  # localstripe charges SEPA debits after 0.5 s; cards at once
                if pi.status != "processing":
                    break
                await asyncio.sleep(0.025)
            if pi.status == "requires_payment_method":
                declined = True
            elif pi.status != "succeeded":
                raise UserError(400, f"This test server cannot complete a payment whose status is {pi.status}.")

        if declined:
            events = captured or [ls.Event("payment_intent.payment_failed", pi)]
            main = events[-1]
        else:
            session.status = "complete"
            session.payment_status = "paid"
            session.customer_details = {"email": session.customer_email, "name": None}
            main = ls.Event("checkout.session.completed", session)
            events = [*captured, main]
        delivered = []
        for event in events:
            statuses = await self._deliver(event)
            delivered.append({"id": event.id, "type": event.type, "deliveries": statuses})
        body = {
            "session": session._export(),
            "event": main.id,
            "deliveries": delivered[events.index(main)]["deliveries"],
            "events": delivered,
        }
        if declined:
            body["declined"] = True
            return 402, body
        return 200, body

    # ------------------------------------------------------------------ convenience (any thread)

    def _http(
        self,
        method: str,
        path: str,
        form: dict | None = None,
        json_body: Any = None,
        auth: bool = False,
        ok: tuple[int, ...] = (200,),
    ) -> Any:
        headers = {"Authorization": f"Bearer {self.api_key}"} if auth else {}
        data = None
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif method == "POST":
            data = b""
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                status, raw = exc.code, exc.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        if status not in ok:
            raise StripeServerError(status, body)
        return body

    def complete(self, session_id: str, payment_method: str = "pm_card_visa") -> dict:
        """Pay for an open session; {"session", "event", "deliveries", "events"[, "declined": True]}."""
        return self._http(
            "POST",
            f"/_test/checkout/sessions/{session_id}/complete",
            form={"payment_method": payment_method},
            ok=(200, 402),
        )

    def expire(self, session_id: str) -> dict:
        """Expire an open session through `/v1/checkout/sessions/{id}/expire`; waits for its webhooks."""
        session = self._http("POST", f"/v1/checkout/sessions/{session_id}/expire", auth=True)
        self.wait_for_deliveries()
        return session

    def redeliver(self, event_id: str, times: int = 1) -> dict:
        """Deliver a stored event again, `times` times; {"deliveries": [status, ...]}."""
        return self._http("POST", f"/_test/events/{event_id}/redeliver", form={"times": times})

    def deliver(self, session_id: str, type: str) -> dict:
        """Deliver a new `checkout.session.*` event for the session as it now is; {"event", "deliveries"}."""
        return self._http("POST", f"/_test/checkout/sessions/{session_id}/deliver", form={"type": type})

    def session(self, session_id: str) -> dict:
        """The session as `GET /v1/checkout/sessions/{id}` returns it."""
        return self._http("GET", f"/v1/checkout/sessions/{session_id}", auth=True)

    def event(self, event_id: str) -> dict:
        """The event as `GET /v1/events/{id}` returns it."""
        return self._http("GET", f"/v1/events/{event_id}", auth=True)

    def get(self, path: str) -> dict:
        """Any authenticated `GET /v1/...`, such as a refund or a list."""
        return self._http("GET", path, auth=True)

    def unregister_webhooks(self) -> None:
        """Stop delivering events (they are still recorded, for redeliver())."""
        self._call(self._unregister())

    async def _unregister(self) -> None:
        ls_webhooks._webhooks.clear()


REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")


def _refund_init(original):
    """localstripe's Refund, made to refuse what Stripe refuses: `reason` is accepted (and exported),
    more than the unrefunded amount is refused, and a PaymentIntent without a charge is a 400."""

    def __init__(self, charge=None, payment_intent=None, amount=None, metadata=None, reason=None, **kwargs):
        if reason is not None and reason not in REFUND_REASONS:
            raise _bad(f"Invalid reason: must be one of {', '.join(REFUND_REASONS)}", "reason")
        charge_obj = None
        if isinstance(payment_intent, str) and charge is None:
            pi = ls.PaymentIntent._api_retrieve(payment_intent)
            if pi.latest_charge is None:
                raise _bad(f"This PaymentIntent ({payment_intent}) does not have a successful charge to refund.")
            charge_obj = pi.latest_charge
        elif isinstance(charge, str):
            charge_obj = ls.Charge._api_retrieve(charge)
        if charge_obj is not None and charge_obj.status == "succeeded":
            left = charge_obj.amount - charge_obj.amount_refunded
            wanted = ls.try_convert_to_int(amount) if amount is not None else left
            if left <= 0:
                raise UserError(400, f"Charge {charge_obj.id} has already been refunded.",
                                {"code": "charge_already_refunded"})
            if isinstance(wanted, int) and wanted > left:
                raise UserError(
                    400,
                    f"Refund amount ({format_amount(wanted, charge_obj.currency)}) is greater than unrefunded "
                    f"amount on charge ({format_amount(left, charge_obj.currency)})",
                    {"param": "amount"},
                )
        original(self, charge=charge, payment_intent=payment_intent, amount=amount, metadata=metadata, **kwargs)
        self.reason = reason

    return __init__


def _server() -> StripeServer:
    if _active is None:  # pragma: no cover - the app only serves while a StripeServer runs
        raise UserError(503, "The Stripe test server is not running.")
    return _active


# --------------------------------------------------------------------------- middlewares


@web.middleware
async def _auth_unless_test_route(request: web.Request, handler):
    if request.path.startswith("/_test/"):
        return await handler(request)
    return await ls_server.auth_middleware(request, handler)


@web.middleware
async def _idempotency_middleware(request: web.Request, handler):
    key = request.headers.get("Idempotency-Key")
    if key and request.method == "POST" and request.path.startswith("/v1/") and _active is not None:
        return await _active._idempotent(request, handler, key)
    return await handler(request)


# --------------------------------------------------------------------------- /v1 routes


async def _create_session(request: web.Request) -> web.Response:
    data = await _params(request)
    expand = data.pop("expand", None)
    session = CheckoutSession(_server().url, **data)
    return _json(session._export(expand=expand))


async def _retrieve_session(request: web.Request) -> web.Response:
    query = ls_server.unflatten_data(request.query)
    expand = query.pop("expand", None)
    _only(query, set())
    return _json(CheckoutSession._get(request.match_info["id"])._export(expand=expand))


async def _list_sessions(request: web.Request) -> web.Response:
    query = ls_server.unflatten_data(request.query)
    expand = query.pop("expand", None)
    _only(query, {"limit", "starting_after", "payment_intent", "status"})
    limit = _int(query.get("limit", 10), "limit")
    if not 1 <= limit <= 100:
        raise _bad("limit must be between 1 and 100", "limit")
    sessions = list(reversed(CheckoutSession._all()))  # newest first, as Stripe lists
    if query.get("payment_intent"):
        sessions = [s for s in sessions if s.payment_intent == query["payment_intent"]]
    if query.get("status"):
        sessions = [s for s in sessions if s.status == query["status"]]
    start = 0
    if query.get("starting_after"):
        ids = [s.id for s in sessions]
        start = ids.index(query["starting_after"]) + 1 if query["starting_after"] in ids else len(ids)
    page = sessions[start:start + limit]
    return _json({
        "object": "list",
        "url": "/v1/checkout/sessions",
        "has_more": len(sessions) > start + limit,
        "data": [s._export(expand=expand) for s in page],
    })


async def _expire_session(request: web.Request) -> web.Response:
    data = await _params(request)
    expand = data.pop("expand", None)
    _only(data, set())
    session = CheckoutSession._get(request.match_info["id"])
    if session.status != "open":
        raise _bad('Only Checkout Sessions with a status in ["open"] can be expired.')
    session.status = "expired"
    if session.payment_intent:  # Stripe cancels the session's (declined) PaymentIntent
        ls.PaymentIntent._api_retrieve(session.payment_intent)._canceled = True
    _server()._deliver_later(ls.Event("checkout.session.expired", session))
    return _json(session._export(expand=expand))


# --------------------------------------------------------------------------- /_test routes


async def _test_complete(request: web.Request) -> web.Response:
    data = await _params(request)
    session = CheckoutSession._get(request.match_info["id"])
    status, body = await _server()._complete(session, data.get("payment_method", "pm_card_visa"))
    return _json(body, status=status)


async def _test_redeliver(request: web.Request) -> web.Response:
    data = await _params(request)
    times = _int(data.get("times", 1), "times")
    if not 1 <= times <= 10:
        raise _bad("times must be between 1 and 10", "times")
    event = ls.Event._api_retrieve(request.match_info["id"])
    statuses: list[int] = []
    for _ in range(times):
        statuses += await _server()._deliver(event)
    return _json({"deliveries": statuses})


async def _test_deliver(request: web.Request) -> web.Response:
    data = await _params(request)
    type = data.get("type")
    if not isinstance(type, str) or not type.startswith("checkout.session."):
        raise _bad("type must be a checkout.session.* event type", "type")
    event = ls.Event(type, CheckoutSession._get(request.match_info["id"]))
    return _json({"event": event.id, "deliveries": await _server()._deliver(event)})


def _page(session: CheckoutSession, status: int = 200, declined: bool = False) -> web.Response:
    e = html.escape
    back = f'<p><a href="{e(session.cancel_url)}">Back</a></p>' if session.cancel_url else ""
    if session.status != "open":
        main = f"<h1>This checkout has expired.</h1>\n{back}"
    else:
        action = f"/_test/checkout/{e(session.id)}/pay"
        alert = '<p role="alert">Your card was declined.</p>\n' if declined else ""
        main = (
            f"<h1>Pay {e(format_amount(session.amount_total, session.currency))}</h1>\n{alert}"
            f'<form method="post" action="{action}">'
            '<input type="hidden" name="payment_method" value="pm_card_visa">'
            '<button type="submit">Pay</button></form>\n'
            f'<form method="post" action="{action}">'
            f'<input type="hidden" name="payment_method" value="{DECLINED_CARD}">'
            '<button type="submit">Pay with a declined card</button></form>\n'
            f"{back}"
        )
    text = (
        '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Checkout (test)</title></head>\n"
        f"<body><main>\n{main}\n</main></body>\n</html>\n"
    )
    return web.Response(text=text, status=status, content_type="text/html")


async def _test_page(request: web.Request) -> web.Response:
    return _page(CheckoutSession._get(request.match_info["id"]))


async def _test_pay(request: web.Request) -> web.StreamResponse:
    data = await _params(request)
    session = CheckoutSession._get(request.match_info["id"])
    if session.status != "open":
        return _page(session, status=409)
    status, _ = await _server()._complete(session, data.get("payment_method", "pm_card_visa"))
    if status == 402:
        return _page(session, status=402, declined=True)
    raise web.HTTPSeeOther(session.success_url.replace("{CHECKOUT_SESSION_ID}", session.id))


def _install() -> None:
    """Add our middlewares and routes to localstripe's app, once (aiohttp freezes them at start)."""
    if any(r.canonical == "/_test/checkout/{id}" for r in app.router.resources()):
        return  # already installed (this module imported under another name)
    middlewares = app.middlewares
    middlewares[middlewares.index(ls_server.auth_middleware)] = _auth_unless_test_route
    middlewares.insert(middlewares.index(_auth_unless_test_route) + 1, _idempotency_middleware)
    router = app.router
    router.add_post("/v1/checkout/sessions", _create_session)
    router.add_get("/v1/checkout/sessions", _list_sessions)
    router.add_get("/v1/checkout/sessions/{id}", _retrieve_session)
    router.add_post("/v1/checkout/sessions/{id}/expire", _expire_session)
    router.add_post("/_test/checkout/sessions/{id}/complete", _test_complete)
    router.add_post("/_test/checkout/sessions/{id}/deliver", _test_deliver)
    router.add_post("/_test/events/{id}/redeliver", _test_redeliver)
    router.add_get("/_test/checkout/{id}", _test_page)
    router.add_post("/_test/checkout/{id}/pay", _test_pay)


_install()
