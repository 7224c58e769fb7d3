"""Search quality on real questions: for each, the right article is among the first three, in
every language (inflections and typos included), on SQLite's FTS5 and PostgreSQL's full text."""

from __future__ import annotations

import pytest

from portal.help import services as help_centre
from tests.help.questions import QUESTIONS


@pytest.fixture
def shop(make_merchant):
    merchant = make_merchant("kodinkone")
    help_centre.ensure_articles(merchant)
    return merchant


def test_every_question_finds_its_article_in_the_top_three(shop):
    misses = []
    first = 0
    for language, question, expected in QUESTIONS:
        keys = [hit.article.key for hit in help_centre.find(shop, question, language, limit=3)]
        if expected not in keys:
            misses.append(f"{language}: {question!r} → {keys} (wanted {expected})")
        elif keys[0] == expected:
            first += 1
    assert misses == [], "\n".join(misses)
    # Most questions find their article first, not just in the top three.
    assert first >= len(QUESTIONS) * 0.75, f"{first} of {len(QUESTIONS)} first"


def test_a_question_without_a_matching_word_finds_nothing(shop):
    assert help_centre.find(shop, "xyzzy qwerty", "en") == []
    assert help_centre.find(shop, "   ", "fi") == []


def test_an_edited_article_is_found_by_its_new_words_at_once(shop):
    from portal.actors import Actor

    article = help_centre.get_article(shop, "payment-methods")
    values = {"section": "payment"}
    for text in article.texts:
        values[f"title_{text.locale}"] = text.title
        values[f"body_{text.locale}"] = text.body
    values["body_en"] += "\n\nWe also take MobilePay and gift vouchers."
    help_centre.save_article(shop, article, values, Actor.system("tests"))
    keys = [hit.article.key for hit in help_centre.find(shop, "gift voucher", "en")]
    assert keys and keys[0] == "payment-methods"
    assert help_centre.find(shop, "gift voucher", "fi") == []  # the Finnish text did not change
