"""Where a `next` parameter may send someone: only to a path on this site."""
from urllib.parse import urlsplit


def local_path(target: str | None, default: str | None = None) -> str | None:
    """`target` if it is a path on this site, else `default`: a `next` never sends anyone elsewhere.

    Refused: "//evil.example" and "/\\evil.example" (which browsers read as other hosts), any
    scheme or host, control characters.
    """
    if not target or len(target) > 2048 or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
