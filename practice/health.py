"""GET /healthz: a constant answer that says the web process is up, for a monitor or a load balancer."""
from flask import Blueprint

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    # Touches no database: a monitor polling it every few seconds should cost next to nothing.
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
