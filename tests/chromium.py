"""Debian's Chromium for the browser tests: where it is and how it is started offline."""
CHROMIUM = "/usr/bin/chromium"
# Offline and quiet: no updates, sync or background fetches while tests run.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
