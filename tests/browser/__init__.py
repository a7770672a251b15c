"""Browser tests: Playwright driving Debian's Chromium against a served demo practice."""
