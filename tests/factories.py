"""Small builders shared by tests."""

from __future__ import annotations

import re
from datetime import date, timedelta

import httpx


def answers(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "occurred_on": (date.today() - timedelta(days=1)).isoformat(),
        "time_of_day": "morning",
        "place": "E8",
        "setting": "workplace",
        "officers": "3-5",
        "vehicles": "2-3",
        "detained": "1",
        "source": "saw_it",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def form_token(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match, "the form carries a one-time token"
    return match.group(1)


def submit_form(client: httpx.Client, token: str, **overrides: object) -> httpx.Response:
    page = client.get(f"/r/{token}")
    assert page.status_code == 200
    data = {k: str(v) for k, v in answers(**overrides).items()}
    data["form_token"] = form_token(page.text)
    return client.post(f"/r/{token}", data=data)
