"""What a process keeps in memory of the database, per app: two apps (tests, or one process serving
two databases) can hold the same ids and must never read each other's copies."""
from collections.abc import Hashable

from flask import current_app


class AppMemory:
    """A dict per app, emptied when it reaches `size` entries: simple, and the next reads fill it again."""

    def __init__(self, name: str, size: int) -> None:
        self._name = f"tend.memory.{name}"
        self._size = size

    def get(self, key: Hashable):
        return current_app.extensions.get(self._name, {}).get(key)

    def put(self, key: Hashable, value) -> None:
        kept = current_app.extensions.setdefault(self._name, {})
        if len(kept) >= self._size:
            kept.clear()
        kept[key] = value
