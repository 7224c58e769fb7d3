"""The desk's callback queue: by slot with the order and the buyer's history; the outcomes —
reached with a note, no answer with a link for the buyer and/or the next slot, solved (the ticket
is solved and the survey follows) — each an internal note and an audit entry; and two agents
marking the same callback: one wins, the other is told."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.callbacks import services as callbacks
from portal.callbacks.models import CallbackRequest
from portal.errors import Conflict
from portal.extensions import db
from portal.support.models import Ticket, TicketMessage
from tests.callbacks.conftest import (
    MONDAY,
    ask,
    mails,
    page_text,
    post_form,
    slot_options,
    staff,
)


def fresh(callback: CallbackRequest) -> CallbackRequest:
    db.session.expire_all()
    return db.session.get(CallbackRequest, callback.id)


def notes(callback: CallbackRequest) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(TicketMessage.body)
            .where(TicketMessage.ticket_id == callback.ticket_id, TicketMessage.internal.is_(True))
            .order_by(TicketMessage.created_at)
        )
    )


def mark(client, callback, **form):
    url = f"/console/callbacks/{callback.id}"
    return post_form(client, url + "/outcome", {"version": str(fresh(callback).version), **form}, token_from=url)


def test_the_queue_lists_callbacks_by_slot_with_the_order_and_the_buyers_history(
    client, sign_in, agent_fi, helsinki, order_fi, make_order
):
    later = ask(order_fi, index=5)
    sooner = ask(make_order(helsinki, "1002", customer={"email": "eero@example.fi", "name": "Eero"}), index=1)
    soonest = ask(make_order(helsinki, "1003"), index=0, phone="+46 70 123 45 67")
    sign_in(agent_fi.email)
    response = client.get("/console/callbacks")
    assert response.status_code == 200
    html = page_text(response)
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    assert body.index(soonest.id) < body.index(sooner.id) < body.index(later.id)
    row = body[body.index(f'id="callback-{later.id}"') :]
    row = row[: row.index("</tr>")]
    assert 'href="tel:+358401234567">+358 40 1234567</a>' in row
    assert 'href="/console/orders/1001"' in row
    assert f'href="/console/tickets/{later.ticket_id}#customer-view-title">Buyer\'s history' in row
    assert "Aino Virtanen" in row and "Delivery" in row and "Waiting for its time" in row
    assert f'href="/console/callbacks/{later.id}">Mark the call' in row
    assert "(Helsinki time)" in row
    assert "+46 70 123 45 67" in body
    assert '<span class="ticket-count">3</span>' in html


def test_reached_with_a_note_keeps_the_note_on_the_ticket_only_for_staff(client, sign_in, agent_fi, order_fi):
    callback = ask(order_fi)
    sign_in(agent_fi.email)
    detail = page_text(client.get(f"/console/callbacks/{callback.id}"))
    assert "How did the call go?" in detail and 'href="tel:+358401234567"' in detail
    for label in ('for="outcome-reached"', 'for="outcome-no_answer"', 'for="outcome-solved"', 'for="note"'):
        assert label in detail

    refused = mark(client, callback, outcome="reached", note="")
    assert refused.status_code == 422
    assert "Write a note of what you agreed with the buyer." in page_text(refused)
    assert fresh(callback).status == "pending"

    done = mark(client, callback, outcome="reached", note="Ovi vaihdetaan, kuriiri tulee torstaina.")
    assert done.status_code == 302 and done.headers["Location"] == "/console/callbacks"
    ticket = db.session.get(Ticket, callback.ticket_id)
    queue = page_text(client.get(done.headers["Location"]))
    assert f"Saved: you reached the buyer. Your note is on ticket {ticket.number}." in queue
    row = fresh(callback)
    assert row.status == "reached" and row.settled_at is not None and row.changed_by == agent_fi.email
    assert any("reached the buyer" in n and "kuriiri tulee torstaina" in n for n in notes(callback))
    db.session.expire_all()
    assert db.session.get(Ticket, callback.ticket_id).first_responded_at is not None
    assert ticket.status in ("new", "open")
    # The buyer's ticket page shows their request, never the desk's note.
    assert "kuriiri" not in " ".join(m.body for m in db.session.get(Ticket, callback.ticket_id).public_messages)
    done_list = page_text(client.get("/console/callbacks?view=settled"))
    assert callback.id in done_list and "Reached" in done_list
    audit = db.session.scalars(
        select(AuditEntry).where(AuditEntry.subject_id == callback.id).order_by(AuditEntry.created_at)
    ).all()
    assert [e.action for e in audit] == ["callback.requested", "callback.outcome"]
    assert audit[1].actor_label == agent_fi.email and audit[1].after["status"] == "reached"


def test_no_answer_e_mails_a_link_where_the_buyer_chooses_a_new_time(client, app, sign_in, agent_fi, order_fi):
    callback = ask(order_fi)
    sign_in(agent_fi.email)
    response = mark(client, callback, outcome="no_answer", email_buyer="1")
    assert response.status_code == 302
    queue = page_text(client.get("/console/callbacks"))
    assert "Saved: no answer. The buyer was e-mailed a link to choose a new time." in queue
    assert fresh(callback).status == "no_answer" and fresh(callback).attempts == 1
    assert "1 call not answered" in queue
    assert any("Call attempt 1" in n and "no answer" in n for n in notes(callback))

    (mail,) = mails("callback_missed")
    assert mail.recipient == "aino@example.fi" and mail.locale == "fi"
    assert "Emme tavoittaneet sinua" in mail.subject
    link = next(line for line in mail.text_body.splitlines() if "/callback/" in line).strip()
    path = link.removeprefix("http://127.0.0.1:5000")

    buyer_browser = app.test_client()
    page = page_text(buyer_browser.get(path))
    assert "Valitse uusi aika puhelullemme" in page
    chosen = slot_options(page)[2]
    answer = post_form(buyer_browser, path, {"slot": chosen})
    assert answer.status_code == 302
    after = page_text(buyer_browser.get(answer.headers["Location"]))
    assert "Kiitos. Soitamme sinulle" in after
    row = fresh(callback)
    assert row.status == "pending" and callbacks.slot_value(row.slot_start) == chosen
    assert any("The buyer chose a new time" in n for n in notes(callback))
    assert len(mails("callback_confirmed")) == 2  # the first request's and the new time's

    # After the next unanswered call, the old link is out of date; the new e-mail carries a new one.
    mark(client, callback, outcome="no_answer", email_buyer="1")
    stale = buyer_browser.get(path)
    assert stale.status_code == 410
    assert "Tämä linkki on vanhentunut" in page_text(stale)
    assert len(mails("callback_missed")) == 2


def test_no_answer_with_the_next_slot_chosen_by_the_agent(client, sign_in, agent_fi, order_fi):
    callback = ask(order_fi)
    sign_in(agent_fi.email)
    detail = page_text(client.get(f"/console/callbacks/{callback.id}"))
    next_slot = slot_options(detail)[4]
    response = mark(client, callback, outcome="no_answer", next_slot=next_slot)  # no e-mail box ticked
    assert response.status_code == 302
    row = fresh(callback)
    assert row.status == "pending" and row.attempts == 1 and callbacks.slot_value(row.slot_start) == next_slot
    queue = page_text(client.get("/console/callbacks"))
    assert "Saved: no answer. Next call:" in queue
    assert any("Next call:" in n for n in notes(callback))
    assert mails("callback_missed") == []
    confirmed = mails("callback_confirmed")
    assert len(confirmed) == 2  # the buyer is told the new time
    db.session.expire_all()
    assert db.session.get(Ticket, callback.ticket_id).first_response_due_at == row.slot_end


def test_solved_solves_the_ticket_and_the_survey_follows(client, sign_in, agent_fi, order_fi):
    callback = ask(order_fi)
    sign_in(agent_fi.email)
    response = mark(client, callback, outcome="solved", note="Maksu löytyi.")
    assert response.status_code == 302
    ticket = db.session.get(Ticket, callback.ticket_id)
    assert f"Ticket {ticket.number} is solved and the buyer is asked how we did." in page_text(
        client.get("/console/callbacks")
    )
    db.session.expire_all()
    assert db.session.get(Ticket, callback.ticket_id).status == "solved"
    assert fresh(callback).status == "solved"
    assert _survey_asked(callback.ticket_id)
    detail = page_text(client.get(f"/console/callbacks/{callback.id}"))
    assert "This callback is done: Solved" in detail and "How did the call go?" not in detail


def _survey_asked(ticket_id: str) -> bool:
    """Solving the ticket asks the buyer the desk's satisfaction question: at once by e-mail, or as
    a request that portal.feedback's job sends (whichever the desk uses)."""
    if any(m.recipient == "aino@example.fi" for m in mails("ticket_survey")):
        return True
    try:
        from portal.feedback.models import FeedbackRequest
    except ImportError:
        return False
    return (
        db.session.scalar(
            select(func.count())
            .select_from(FeedbackRequest)
            .where(FeedbackRequest.topic == "ticket", FeedbackRequest.subject_id == ticket_id)
        )
        == 1
    )


def test_the_agent_moves_the_call_and_the_buyer_is_told(client, sign_in, agent_fi, order_fi):
    callback = ask(order_fi)
    sign_in(agent_fi.email)
    url = f"/console/callbacks/{callback.id}"
    chosen = slot_options(page_text(client.get(url)))[6]
    response = post_form(client, url + "/reschedule", {"slot": chosen, "version": "1"}, token_from=url)
    assert response.status_code == 302
    assert "The call is moved to" in page_text(client.get(response.headers["Location"]))
    assert callbacks.slot_value(fresh(callback).slot_start) == chosen
    assert len(mails("callback_confirmed")) == 2


def test_a_second_agent_marking_the_same_callback_is_told_and_changes_nothing(
    app, client, sign_in, agent_fi, make_user, order_fi
):
    callback = ask(order_fi)
    other = make_user(email="toinen@kodinkone.fi", role="merchant_agent", merchant=order_fi.merchant)
    second = app.test_client()
    sign_in(agent_fi.email)
    sign_in(other.email, using=second)
    url = f"/console/callbacks/{callback.id}"
    from tests.conftest import csrf_from

    # Both open the callback (version 1) …
    first_token = csrf_from(client.get(url).get_data(as_text=True))
    second_token = csrf_from(second.get(url).get_data(as_text=True))
    # … the first marks it reached; the second, from the same page, marks it "no answer".
    won = client.post(
        url + "/outcome", data={"csrf_token": first_token, "version": "1", "outcome": "reached", "note": "Sovittu."}
    )
    lost = second.post(
        url + "/outcome",
        data={"csrf_token": second_token, "version": "1", "outcome": "no_answer", "email_buyer": "1"},
    )
    assert won.status_code == 302
    assert lost.status_code == 409
    html = page_text(lost)
    assert f"{agent_fi.email} changed this callback a moment ago; it is now: Reached. Nothing was saved" in html
    row = fresh(callback)
    assert row.status == "reached" and row.attempts == 0
    assert mails("callback_missed") == []
    assert len(notes(callback)) == 1


def test_two_agents_at_the_same_moment_one_wins(app, agent_fi, make_user, order_fi):
    """Two threads, two sessions, one row lock: exactly one outcome is recorded."""
    callback = ask(order_fi)
    other = make_user(email="toinen@kodinkone.fi", role="merchant_agent", merchant=order_fi.merchant)
    actors = [staff(agent_fi), staff(other)]
    callback_id, merchant_id = callback.id, order_fi.merchant_id
    db.session.remove()
    barrier = threading.Barrier(2)
    results: list[str] = []

    def mark_at_once(actor, outcome):
        with app.app_context():
            try:
                barrier.wait()
                callbacks.record_outcome(
                    callback_id,
                    merchant_id,
                    {"outcome": outcome, "note": "Soitettu.", "version": 1, "email_buyer": True},
                    actor,
                )
                results.append("won")
            except Conflict:
                results.append("told")
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=mark_at_once, args=(actors[0], "reached")),
        threading.Thread(target=mark_at_once, args=(actors[1], "no_answer")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["told", "won"]
    outcomes = db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "callback.outcome")
    )
    assert outcomes == 1
    assert len(notes(callback)) == 1


def test_a_settled_callback_cannot_be_marked_again(app, agent_fi, order_fi):
    callback = ask(order_fi)
    callbacks.record_outcome(callback.id, order_fi.merchant_id, {"outcome": "solved"}, staff(agent_fi))
    with pytest.raises(Conflict):
        callbacks.record_outcome(callback.id, order_fi.merchant_id, {"outcome": "no_answer"}, staff(agent_fi))


def test_the_buyer_page_after_no_answer_offers_a_new_time(app, client, agent_fi, order_fi):
    from tests.callbacks.conftest import open_order

    callback = ask(order_fi)
    callbacks.record_outcome(
        callback.id, order_fi.merchant_id, {"outcome": "no_answer", "version": 1}, staff(agent_fi), now=MONDAY
    )
    open_order(client, order_fi)
    html = page_text(client.get(f"/s/kodinkone/callbacks/{callback.id}"))
    assert "Emme tavoittaneet sinua" in html
    assert 'href="/callback/' in html and "Valitse uusi aika" in html
