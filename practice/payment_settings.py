"""Whether this install takes payments online: Stripe's keys come from the environment, never the database."""
from collections.abc import Mapping

#: Stripe's shortest Checkout Session: a time held for payment lasts this long.
DEFAULT_HOLD_MINUTES = 30


def stripe_settings_from_environment(environ: Mapping[str, str]) -> dict:
    return {
        "STRIPE_SECRET_KEY": environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": environ.get("STRIPE_WEBHOOK_SECRET", ""),
        # Only for tests and local development against a Stripe-compatible server.
        "STRIPE_API_BASE": environ.get("STRIPE_API_BASE", ""),
        # Where Checkout pages live: "Confirm and pay" forms may lead there (Content-Security-Policy).
        "STRIPE_CHECKOUT_ORIGIN": environ.get("STRIPE_CHECKOUT_ORIGIN", "https://checkout.stripe.com"),
        "PAYMENT_HOLD_MINUTES": int(environ.get("PAYMENT_HOLD_MINUTES", str(DEFAULT_HOLD_MINUTES))),
    }


def online_payments_enabled(config: Mapping) -> bool:
    """Both keys set: without the webhook secret no payment could ever be confirmed."""
    return bool(config.get("STRIPE_SECRET_KEY")) and bool(config.get("STRIPE_WEBHOOK_SECRET"))


def test_keys_in_use(config: Mapping) -> bool:
    key = config.get("STRIPE_SECRET_KEY") or ""
    return key.startswith(("sk_test_", "rk_test_"))
