"""axe-core in a page, from the copy the axe-playwright-python package ships (no network).

The script is evaluated through the DevTools protocol, so the page's own Content-Security-
Policy (no scripts at all on member pages) does not stop it; the context must have
JavaScript enabled for axe's promises to run.
"""

from __future__ import annotations

from typing import Any

import pytest


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Every axe violation on the page (all default rules), as axe reports them."""
    base = pytest.importorskip("axe_playwright_python.base")
    page.evaluate(base.AXE_SCRIPT)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return list(result["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in violations
    )
