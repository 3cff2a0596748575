"""Member pages in the member's language, through real HTTP: Accept-Language sets the
default, the language links and the form keep a choice, and no cookie is ever set."""

from __future__ import annotations

import re

import pytest

from server.i18n import LANGUAGES
from tests.factories import answers, confirm, form_token

ARABIC = {"accept-language": "ar-SA,ar;q=0.9"}


def _html_lang(html: str) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="(ltr|rtl)">', html)
    assert match, "every member page names its language and direction"
    return match.group(1), match.group(2)


@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.code)
def test_every_language_renders_the_form_with_its_lang_and_dir(live_server, network, language):
    _, token = network
    with live_server.client() as client:
        page = client.get(f"/r/{token}", params={"lang": language.code})
    assert page.status_code == 200
    assert _html_lang(page.text) == (language.code, language.dir)
    assert f'<input type="hidden" name="lang" value="{language.code}">' in page.text
    assert f'action="/r/{token}?lang={language.code}"' in page.text
    assert "set-cookie" not in page.headers
    if language.code != "en":
        assert "Report an enforcement visit" not in page.text, "the title is translated"
        assert "Send report" not in page.text


def test_accept_language_sets_the_default_and_a_link_overrides_it(live_server, network):
    _, token = network
    with live_server.client() as client:
        arabic = client.get(f"/r/{token}", headers=ARABIC)
        tigrinya = client.get(f"/r/{token}?lang=ti", headers=ARABIC)
        english = client.get(f"/r/{token}")
    assert _html_lang(arabic.text) == ("ar", "rtl")
    assert "التالي: تحقّق من المكان" in arabic.text
    assert _html_lang(tigrinya.text) == ("ti", "ltr")
    assert "ዝቕጽል፦ ነቲ ቦታ ርኣዩ" in tigrinya.text
    assert _html_lang(english.text) == ("en", "ltr")
    assert all("set-cookie" not in r.headers for r in (arabic, tigrinya, english))


def test_the_language_links_name_each_language_in_itself(live_server, network):
    _, token = network
    with live_server.client() as client:
        page = client.get(f"/r/{token}", headers=ARABIC).text
    nav = page.split('<nav class="languages"', 1)[1].split("</nav>", 1)[0]
    assert 'aria-label="اللغة"' in page
    for language in LANGUAGES:
        link = (
            f'<a href="?lang={language.code}" lang="{language.code}" dir="{language.dir}" '
            f'hreflang="{language.code}"'
        )
        assert link in nav and f">{language.endonym}</a>" in nav
    assert 'hreflang="ar" aria-current="true">العربية</a>' in nav


def test_a_posted_form_answers_in_the_language_it_carries(live_server, network, session):
    _, token = network
    with live_server.client() as client:
        page = client.get(f"/r/{token}?lang=pl")
        data = {k: str(v) for k, v in answers(setting="").items()}
        data.update(form_token=form_token(page.text), lang="pl")
        # The browser says English; the form's hidden field says Polish, and wins.
        refused = client.post(f"/r/{token}", data=data, headers={"accept-language": "en"})
        assert refused.status_code == 422
        assert _html_lang(refused.text) == ("pl", "ltr")
        assert "Wybierz, jakie to było miejsce." in refused.text
        data.update(setting="shop", form_token=form_token(refused.text))
        check = client.post(f"/r/{token}?lang=pl", data=data)
        assert check.status_code == 200 and _html_lang(check.text) == ("pl", "ltr")
        assert "Czy to się zgadza?" in check.text and "Sklep lub restauracja" in check.text
        assert '<input type="hidden" name="lang" value="pl">' in check.text
        stored = confirm(client, token, check)
        assert stored.status_code == 303
        assert stored.headers["location"] == f"/r/{token}/received?lang=pl"
        receipt = client.get(stored.headers["location"])
    assert _html_lang(receipt.text) == ("pl", "ltr")
    assert "Twoje zgłoszenie zostało przyjęte" in receipt.text
    assert 'href="/r/' + token + '?lang=pl"' in receipt.text


def test_not_found_and_limit_pages_speak_the_language(settings, network):
    from fastapi.testclient import TestClient

    from server.app import create_app
    from tests.factories import submit_form

    settings.rate_limit_per_link, settings.burst_limit = 1, 0
    _, token = network
    with TestClient(create_app(settings), follow_redirects=False) as client:
        missing = client.get("/r/not-a-real-token-at-all", headers={"accept-language": "bn"})
        unknown_path = client.get("/nowhere?lang=fa")
        assert submit_form(client, token).status_code == 303
        limited = submit_form(client, token, lang="ro")
    assert missing.status_code == 404 and _html_lang(missing.text) == ("bn", "ltr")
    assert "পাতাটি পাওয়া যায়নি" in missing.text
    assert unknown_path.status_code == 404 and _html_lang(unknown_path.text) == ("fa", "rtl")
    assert limited.status_code == 429 and _html_lang(limited.text) == ("ro", "ltr")
    assert "Încă netrimis" in limited.text and "Nu s-a salvat nimic încă" in limited.text
    assert f'action="/r/{token}?lang=ro"' in limited.text


def test_api_errors_speak_the_language_asked_for(live_server, network):
    _, token = network
    headers = {"Authorization": f"Bearer {token}", "accept-language": "fa"}
    with live_server.client() as client:
        bad = client.post(
            "/api/v1/reports", json=answers(setting="", place="Newport"), headers=headers
        )
        unknown = client.post("/api/v1/reports", json=answers(email="x"), headers=headers)
        no_token = client.post("/api/v1/reports", json=answers(), headers={"accept-language": "vi"})
    detail = {e["field"]: e for e in bad.json()["detail"]}
    assert detail["setting"]["message"] == "انتخاب کنید چه نوع مکانی بود."
    assert detail["place"]["message"].startswith("چند مکان با این نام")
    assert any("ولز" in choice["label"] for choice in detail["place"]["choices"])
    assert unknown.json()["detail"] == [{"field": "email", "message": "فیلد ناشناخته."}]
    assert no_token.json() == {"detail": "Thiếu hoặc không nhận ra mã thành viên."}


def test_organiser_pages_stay_english(live_server):
    with live_server.client() as client:
        login = client.get("/login", headers=ARABIC)
    assert '<html lang="en">' in login.text
