"""Fixtures: a real SMTP server in the test process, apps that send to it, a private job queue."""
import pytest

from practice import worker
from tests.notifications.support import SENDER


def _file_mail(tmp_path) -> dict:
    # Whatever the environment says, these tests never reach a real server or instance/mail.
    return {"MAIL_SERVER": "", "MAIL_DEFAULT_SENDER": SENDER, "MAIL_FILE_DIR": str(tmp_path / "mail")}


@pytest.fixture
def app(make_app, tmp_path):
    """An app with no MAIL_SERVER, as in `make run`: mail is written to this test's folder."""
    return make_app(**_file_mail(tmp_path))


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(make_app, tmp_path, request):
    """`app`, on SQLite and on PostgreSQL."""
    return make_app(request.param, **_file_mail(tmp_path))


@pytest.fixture(autouse=True)
def private_queue(tmp_path):
    """The worker's Huey on a queue file of this test's own; `worker.task_app` reset after."""
    worker.huey.immediate = False
    real_storage = worker.huey.storage
    storage = worker.LazySqliteStorage(worker.huey.name, filename=str(tmp_path / "huey.sqlite3"))
    worker.huey.storage = storage
    yield worker.huey
    worker.task_app.use(None)
    worker.huey.storage = real_storage
    storage.close()

