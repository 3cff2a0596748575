"""Choosing a language: explicit choice, then Accept-Language, then English (pure)."""

from __future__ import annotations

import pytest

from server.i18n import LANGUAGES, choose_language
from server.i18n.languages import by_code, from_accept_language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ar", "ar"),
        ("ar-SA,ar;q=0.9,en;q=0.8", "ar"),
        ("fa-IR", "fa"),
        ("prs-AF", "fa"),
        ("ckb-IQ", "ckb"),
        ("ku-Arab-IQ", "ckb"),
        ("bn-BD,bn;q=0.9", "bn"),
        ("pa-IN", "pa"),
        ("pa-Arab-PK", "ur"),
        ("pa-PK", "ur"),
        ("ti-ER", "ti"),
        ("am-ET", "am"),
        ("sq-AL", "sq"),
        ("vi-VN", "vi"),
        ("zh-CN", "zh-Hans"),
        ("zh-Hans-CN", "zh-Hans"),
        ("zh-TW", "zh-Hans"),
        ("pl-PL,pl;q=0.9", "pl"),
        ("ro", "ro"),
        ("pt-BR", "pt"),
        ("de-DE,pl;q=0.5", "pl"),  # the first language we have, in order of preference
        ("en;q=0.5,ti;q=0.9", "ti"),  # q-values, not the order written
        ("fr-FR,de;q=0.8", "en"),
        ("*", "en"),
        ("ar;q=0", "en"),
        ("ar;q=abc,pl", "pl"),
        ("", "en"),
    ],
)
def test_accept_language_chooses_the_default(header, expected):
    assert choose_language(accept_language=header).code == expected


def test_an_explicit_choice_wins_and_a_bad_one_is_ignored():
    assert choose_language(explicit="ti", accept_language="ar").code == "ti"
    assert choose_language(explicit="zh_hans", accept_language="ar").code == "zh-Hans"
    assert choose_language(explicit="xx", accept_language="ar").code == "ar"
    assert choose_language(explicit="<script>", accept_language=None).code == "en"


def test_a_huge_header_is_cut_not_parsed_whole():
    header = ",".join(["xx"] * 10_000) + ",ar"
    assert from_accept_language(header) is None


def test_every_language_has_an_endonym_a_direction_and_a_unique_code():
    assert len(LANGUAGES) == 16
    assert len({language.code for language in LANGUAGES}) == 16
    rtl = {language.code for language in LANGUAGES if language.rtl}
    assert rtl == {"ar", "fa", "ckb", "ps", "ur"}
    for language in LANGUAGES:
        assert by_code(language.code) == language
        assert language.endonym and language.dir in {"ltr", "rtl"}


def test_place_choices_translate_country_names_only():
    from server.i18n import speaking
    from server.i18n.places import place_label

    with speaking(by_code("ar")):
        assert place_label("Newport, Wales (NP20)") == "Newport, ويلز (NP20)"
        assert place_label("Belfast, Northern Ireland (BT1)") == "Belfast, أيرلندا الشمالية (BT1)"
        assert place_label("Wales Bar (Rotherham, England)") == "Wales Bar (Rotherham, إنجلترا)"
        assert place_label("New England, Peterborough (PE1)") == "New England, Peterborough (PE1)"
    assert place_label("Newport, Wales (NP20)") == "Newport, Wales (NP20)"
