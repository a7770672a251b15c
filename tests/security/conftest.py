"""A published service with free times, and its practitioner logged in, for the security tests."""
import pytest

from tests.security.samples import make_offer


@pytest.fixture
def offer(app):
    return make_offer(app)


@pytest.fixture
def logged_in(auth, offer):
    auth.login(offer.email)
    return offer


def pytest_collection_modifyitems(config, items):
    """Keep the route matrix within the suite's time: PostgreSQL asks only where SQL decides.

    A visitor is sent to log in and a row is found by its id the same way on both databases;
    what SQL decides is which rows a list shows (MEMBER routes) and whose intake is whose (HOLDER),
    asked there as the practice's own two people. SQLite asks everything, as all four.
    """
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.name.startswith("test_each_actor_gets_what_the_rule_says") and params.get("backend") == "postgresql":
            module = item.module
            kind = module.ADMIN_ROUTES[(params["method"], params["rule"])]
            if kind not in (module.MEMBER, module.HOLDER) or params["actor"] not in ("practitioner of the practice", "owner"):
                dropped.append(item)
                continue
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
