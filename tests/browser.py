"""What the browser tests share: Debian's Chromium, its flags, where screenshots go."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# As root in a sandbox with no network but loopback: no sandbox, and no background calls
# to Google's hosts (refused here, and a third-party request in any case).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
# Collects Content-Security-Policy violations in the page, for the tests to read.
CSP_WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", e =>
    window.__violations.push(e.violatedDirective + " " + e.blockedURI));
"""

# Skipped on a developer machine without chromium; in CI (CI=true) a missing browser fails.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and os.environ.get("CI") != "true",
        reason="Debian's chromium is not installed",
    ),
]


@contextmanager
def launched() -> Iterator[Any]:
    """Debian's Chromium with the flags above, closed afterwards (skips without Playwright)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
