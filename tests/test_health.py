"""GET /healthz: a monitor's constant answer, which touches no database."""
from sqlalchemy import event

from practice.extensions import db


def test_healthz_answers_without_asking_the_database(app, client):
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    response = client.get("/healthz")

    assert (response.status_code, response.get_data(as_text=True)) == (200, "ok\n")
    assert response.headers["Cache-Control"] == "no-store"
    assert statements == []
    assert "Set-Cookie" not in response.headers
