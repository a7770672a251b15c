"""Hand each new outbox message to the worker once the transaction that wrote it commits."""
import logging
from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from practice.extensions import db
from practice.notifications.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

#: session.info key: ids of outbox messages written in the open transaction.
OWED_IDS = "tend.outbox_ids_to_enqueue"
#: app.extensions key: the callable that queues one message id, or None when switched off.
ENQUEUE = "tend.outbox_enqueue"


def install(app: Flask, enqueue_message: Callable[[int], object]) -> None:
    """Queue `enqueue_message(id)` after every commit that writes an outbox message.

    OUTBOX_ENQUEUE (default: on, except when TESTING) switches it per app, so test suites
    that never run a worker don't fill the development queue.
    """
    enabled = app.config.get("OUTBOX_ENQUEUE", not app.testing)
    app.extensions[ENQUEUE] = enqueue_message if enabled else None
    for name, listener in _LISTENERS.items():
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def _messages_to_send(session: Session, flush_context) -> None:
    ids = session.info.setdefault(OWED_IDS, set())
    for instance in session.new:
        if isinstance(instance, OutboxMessage):
            ids.add(instance.id)
    for instance in session.dirty:
        if isinstance(instance, OutboxMessage) and _made_pending_again(instance):
            ids.add(instance.id)


def _made_pending_again(message: OutboxMessage) -> bool:
    # "Send again" in the admin panel: the worker should not wait for the next sweep.
    return OutboxStatus.pending in inspect(message).attrs.status.history.added


def _enqueue_after_commit(session: Session) -> None:
    ids = session.info.pop(OWED_IDS, None)
    if not ids:
        return
    enqueue_message = current_app.extensions.get(ENQUEUE)
    if enqueue_message is None:
        return
    for message_id in sorted(ids):
        try:
            enqueue_message(message_id)
        except Exception as error:
            # The queue being down must never fail the request: the message is safely in
            # the outbox and the next sweep sends it.
            log.warning("outbox message not queued (%s); the sweep will send it", type(error).__name__)


def _forget_after_rollback(session: Session) -> None:
    session.info.pop(OWED_IDS, None)


_LISTENERS = {
    "after_flush": _messages_to_send,
    "after_commit": _enqueue_after_commit,
    "after_rollback": _forget_after_rollback,
}
