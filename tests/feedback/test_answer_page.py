"""One click from the e-mail answers: the page records the score clicked (as its script does on
opening it), thanks the buyer, takes a comment, lets another score link change the answer while
answers are taken, and says so after that. Opening a link alone records nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.db import utcnow
from portal.extensions import db
from tests.conftest import csrf_from
from tests.feedback.conftest import (
    answers,
    click,
    deliver,
    follow_ups,
    in_language,
    mails,
    page,
    requests,
    score_links,
    send,
)


@pytest.fixture
def asked(shop, shipped_order):
    """A buyer in English asked how the delivery of order 1042 went: the e-mail's links."""
    order = shipped_order(shop, "1042", locale="en", email="emma@example.com", name="Emma Lund")
    deliver(order, utcnow() - timedelta(days=1, hours=1))
    send()
    [mail] = mails()
    return score_links(mail)


def test_opening_a_link_records_nothing_until_the_page_sends_it(app, asked):
    client = app.test_client()
    html = page(client.get(asked[4]))
    assert "How did your delivery go?" in html
    assert "Your order 1042 from Kodinkone Oy was delivered on" in html
    assert 'data-auto-submit="1"' in html and "feedback.js" in html
    assert "Press Send to save your answer." in html  # said to a browser without scripts
    assert answers() == []


def test_one_click_records_the_score_and_thanks_the_buyer(app, asked):
    client = app.test_client()
    _html, answer = click(client, asked[4])
    assert answer == {
        "ok": True,
        "score": 4,
        "title": "Thank you!",
        "message": "Your answer helps Kodinkone Oy serve you better.",
        "recorded": "Your answer: 4 out of 5 (Good).",
    }
    [row] = answers()
    assert (row.topic, row.score, row.comment) == ("delivery", 4, None)
    html, again = click(client, asked[4])  # the same link again: the page says it is recorded
    assert again is None
    assert "Thank you!" in html and "Your answer: 4 out of 5 (Good)." in html
    assert re.search(r'id="feedback-question" hidden', html)
    assert "Anything you want to add? (optional)" in html
    assert "You can change your answer until" in html
    assert len(answers()) == 1 and follow_ups() == []


def test_clicking_another_score_changes_the_answer(app, asked):
    client = app.test_client()
    click(client, asked[5])
    _html, answer = click(client, asked[3])
    assert answer["score"] == 3 and answer["title"] == "Thank you for your answer"
    assert "What could have been better?" in answer["message"]
    [row] = answers()
    assert row.score == 3 and follow_ups() == []  # 3 is neutral: no ticket


def test_a_comment_is_sent_with_the_button_and_kept_when_the_score_changes(app, asked):
    client = app.test_client()
    html, _answer = click(client, asked[2])
    form = page(client.get(asked[2]))
    response = client.post(
        re.search(r'action="(/feedback/[^"]+)"', form).group(1),
        data={"csrf_token": csrf_from(form), "score": "2", "comment": "The driver left the parcel in the rain."},
        follow_redirects=True,
    )
    html = page(response)
    assert response.status_code == 200
    assert "Thank you: your comment was sent." in html
    assert "The driver left the parcel in the rain.</textarea>" in html
    click(client, asked[4])  # the script sends only the score: the comment stays
    [row] = answers()
    assert (row.score, row.comment) == (4, "The driver left the parcel in the rain.")


def test_without_scripts_the_send_button_records_the_chosen_score(app, asked):
    client = app.test_client()
    form = page(client.get(asked[5]))
    response = client.post(
        re.search(r'action="(/feedback/[^"]+)"', form).group(1), data={"csrf_token": csrf_from(form), "score": "5"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/5")
    html = page(client.get(response.headers["Location"]))
    assert "Thank you!" in html and "Your answer: 5 out of 5 (Very good)." in html
    assert answers()[0].score == 5


def test_after_the_answer_window_the_link_says_so_and_records_nothing(app, asked):
    client = app.test_client()
    click(client, asked[4])
    form = page(client.get(asked[4]))
    [request] = requests()
    request.sent_at = request.sent_at - timedelta(days=31)
    db.session.commit()
    response = client.get(asked[1])
    assert response.status_code == 410
    html = page(response)
    assert "This feedback link has closed" in html
    assert "Answers are taken for 30 days after the e-mail" in html and "Open your order" in html
    response = client.post(
        re.search(r'action="(/feedback/[^"]+)"', form).group(1),
        data={"csrf_token": csrf_from(form), "score": "1"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 410
    assert answers()[0].score == 4 and follow_ups() == []


def test_a_bad_link_is_a_404_page(app, asked):
    client = app.test_client()
    token = asked[4].split("/")[2]
    for path in ("/feedback/not-a-token/4", f"/feedback/{token}/9", f"/feedback/{token}/0"):
        response = client.get(path)
        assert response.status_code == 404
        assert "This link does not work" in page(response)
    assert answers() == []


def test_the_page_speaks_the_buyers_language(app, shop, shipped_order):
    order = shipped_order(shop, "1043", locale="fi")
    deliver(order, utcnow() - timedelta(days=1, hours=1))
    send()
    links = score_links(mails()[0])
    html = page(app.test_client().get(links[5]))
    assert '<html lang="fi">' in html
    assert in_language("fi", "How did your delivery go?") in html
    assert "Haluatko lisätä jotain? (vapaaehtoinen)" in html and ">Lähetä<" in html
    assert "Erittäin hyvä" in html and "Erittäin huono" in html
