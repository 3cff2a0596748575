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


def preview_form(client: httpx.Client, token: str, **overrides: object) -> httpx.Response:
    """Fill the form and send it: the answer is the confirmation page (or the form again)."""
    page = client.get(f"/r/{token}")
    assert page.status_code == 200
    data = {k: str(v) for k, v in answers(**overrides).items()}
    data["form_token"] = form_token(page.text)
    return client.post(f"/r/{token}", data=data)


def hidden_fields(html: str) -> dict[str, str]:
    """What the confirmation page carries back: every hidden input, as sent."""
    import html as markup

    return {
        name: markup.unescape(value)
        for name, value in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', html)
    }


def confirm(client: httpx.Client, token: str, page: httpx.Response) -> httpx.Response:
    """Press "Send report" on a confirmation page."""
    assert page.status_code == 200 and 'name="confirm" value="yes"' in page.text, page.text
    return client.post(f"/r/{token}", data={**hidden_fields(page.text), "confirm": "yes"})


def submit_form(client: httpx.Client, token: str, **overrides: object) -> httpx.Response:
    """Fill the form, send it and, if it is understood, confirm it (the member's two taps)."""
    page = preview_form(client, token, **overrides)
    if page.status_code != 200:
        return page  # the form again, with errors
    return confirm(client, token, page)
