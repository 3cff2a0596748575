"""What the browser tests share: Debian's Chromium, its flags, where screenshots go."""

from __future__ import annotations

import os
from pathlib import Path

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
