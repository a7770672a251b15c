"""Hand new work to the worker once the transaction that wrote it commits: an outbox message, a refund owed.

The row is the promise (written with the change that owes it); the queue only makes it
prompt. Were the queue down or the enqueue lost, the worker's sweeps still find the row.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from practice.extensions import db

log = logging.getLogger(__name__)

#: session.info key: (model, id) pairs written in the open transaction.
OWED = "tend.owed_after_commit"
#: app.extensions key: {model: Watch}, or {} when switched off.
WATCHES = "tend.after_commit_watches"


@dataclass(frozen=True)
class Watch:
    #: Queues one row's id with the worker.
    enqueue: Callable[[int], object]
    #: Whether a changed (not new) row is due again, like an email sent again from the admin panel.
    due_again: Callable[[object], bool] = lambda row: False


def install(app: Flask, watches: dict[type, Watch]) -> None:
    """Queue `watch.enqueue(id)` after every commit that writes a row of a watched model.

    OUTBOX_ENQUEUE (default: on, except when TESTING) switches it per app, so test suites
    that never run a worker don't fill the development queue.
    """
    enabled = app.config.get("OUTBOX_ENQUEUE", not app.testing)
    app.extensions[WATCHES] = watches if enabled else {}
    for name, listener in _LISTENERS.items():
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def _rows_to_queue(session: Session, flush_context) -> None:
    watches = current_app.extensions.get(WATCHES) or {}
    if not watches:
        return
    owed = session.info.setdefault(OWED, set())
    for instance in session.new:
        if type(instance) in watches:
            owed.add((type(instance), instance.id))
    for instance in session.dirty:
        watch = watches.get(type(instance))
        if watch is not None and watch.due_again(instance):
            owed.add((type(instance), instance.id))


def _enqueue_after_commit(session: Session) -> None:
    owed = session.info.pop(OWED, None)
    if not owed:
        return
    watches = current_app.extensions.get(WATCHES) or {}
    for model, row_id in sorted(owed, key=lambda pair: (pair[0].__name__, pair[1])):
        try:
            watches[model].enqueue(row_id)
        except Exception as error:
            # The queue being down must never fail the request: the row is saved and the next sweep finds it.
            log.warning("%s %s not queued (%s); the sweep will find it", model.__name__, row_id, type(error).__name__)


def _forget_after_rollback(session: Session) -> None:
    session.info.pop(OWED, None)


_LISTENERS = {
    "after_flush": _rows_to_queue,
    "after_commit": _enqueue_after_commit,
    "after_rollback": _forget_after_rollback,
}
