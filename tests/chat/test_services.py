"""Live chat's rules without HTTP: who is online, the queue and its honest estimate, taking
(capacity, two agents at once), who may write, and the end as a ticket with the transcript."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.chat import services as chat
from portal.chat.models import AgentPresence, ChatMessage, ChatSession
from portal.db import utcnow
from portal.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.support.models import Ticket
from tests.chat.conftest import TURNS, agent_actor, buyer_of

# -- who is online ----------------------------------------------------------------------------


def test_nobody_online_refuses_the_chat_with_the_reason(shop, order, anna, start):
    with pytest.raises(chat.NobodyOnline) as refused:
        start(order)
    assert str(refused.value) == "Nobody from Kodinkone Oy is online to chat just now."
    assert db.session.scalar(select(func.count(ChatSession.id))) == 0


def test_own_staff_and_serving_support_agents_count_as_online_others_do_not(
    shop, other_shop, anna, ville, make_agent, online
):
    stranger = make_agent("olli@pyorapaja.fi", other_shop)
    unserving = make_agent("sari@apuri.example", role="support_agent", serves=[other_shop])
    online(anna, ville, stranger, unserving)
    assert {u.email for u in chat.online_agents(shop.id)} == {anna.email, ville.email}
    chat.set_presence(anna, "away", agent_actor(anna))
    assert [u.email for u in chat.online_agents(shop.id)] == [ville.email]


def test_an_agent_whose_console_went_quiet_is_not_online(shop, anna, online):
    online(anna)
    later = utcnow() + timedelta(minutes=3)
    assert chat.online_agents(shop.id, later) == []
    chat.touch_presence(anna.id, later)
    assert [u.id for u in chat.online_agents(shop.id, later)] == [anna.id]


# -- starting ---------------------------------------------------------------------------------


def test_the_assistants_conversation_becomes_the_first_messages(shop, order, anna, online, start):
    online(anna)
    session = start(order)
    assert (session.status, session.order_id, session.buyer_email) == ("waiting", order.id, "aino@example.fi")
    messages = chat.messages_after(session.id, 0)
    assert [m.seq for m in messages] == [1, 2, 3, 4, 5]
    assert [(m.author_kind, m.body) for m in messages[:4]] == [
        ("buyer", TURNS[0]["text"]),
        ("system", TURNS[1]["text"]),
        ("buyer", TURNS[2]["text"]),
        ("system", TURNS[3]["text"]),
    ]
    assert (messages[4].kind, messages[4].body) == ("event", "waiting")
    assert sorted(m.created_at for m in messages) == [m.created_at for m in messages]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "chat.started")).one()
    assert (entry.subject_id, entry.actor_type) == (session.id, "buyer")


def test_a_buyer_with_a_chat_open_gets_the_same_chat_back(order, anna, online, start):
    online(anna)
    first = start(order)
    assert start(order).id == first.id
    assert db.session.scalar(select(func.count(ChatSession.id))) == 1


# -- the queue and its estimate ----------------------------------------------------------------


def test_queue_positions_first_come_first_and_no_estimate_without_history(
    shop, order, second_order, anna, online, start
):
    online(anna)
    first, second = start(order), start(second_order)
    assert chat.queue_position(first) == 1 and chat.queue_position(second) == 2
    state = chat.queue_state(second)
    assert (state.position, state.online, state.median_seconds, state.estimate_seconds) == (2, 1, None, None)


def _finished_chat(shop, order, agent, minutes: float, *, ended_ago: timedelta = timedelta(hours=1)):
    ended = utcnow() - ended_ago
    session = ChatSession(
        merchant_id=shop.id,
        customer_id=order.customer_id,
        buyer_email=order.customer.email,
        status="ended",
        agent_id=agent.id,
        created_at=ended - timedelta(minutes=minutes + 1),
        taken_at=ended - timedelta(minutes=minutes),
        ended_at=ended,
        ended_by="agent",
    )
    db.session.add(session)
    db.session.commit()
    return session


def test_the_estimate_is_position_times_the_median_handling_time_over_agents_online(
    shop, order, second_order, make_order, anna, ville, online, start
):
    for minutes in (4, 6, 30):  # the median is 6 minutes: one long chat does not skew it
        _finished_chat(shop, order, anna, minutes)
    _finished_chat(shop, order, anna, 90, ended_ago=timedelta(days=40))  # too old to count
    online(anna)
    start(order)
    third = make_order(shop, "100502", customer={"email": "cecilia@example.dk", "name": "Cecilia"})
    start(second_order)
    waiting = start(third)
    state = chat.queue_state(waiting)
    assert (state.position, state.online, state.median_seconds) == (3, 1, 360)
    assert state.estimate_seconds == 3 * 360 / 1
    online(ville)
    assert chat.queue_state(waiting).estimate_seconds == 3 * 360 / 2


# -- taking ------------------------------------------------------------------------------------


def test_taking_a_chat_makes_it_active_and_says_who_joined(shop, order, anna, online, start):
    online(anna)
    session = start(order)
    taken = chat.take(session.id, anna, agent_actor(anna))
    assert (taken.status, taken.agent_id) == ("active", anna.id) and taken.taken_at is not None
    last = chat.messages_after(session.id, 5)
    assert [(m.seq, m.kind, m.body, m.author_label) for m in last] == [(6, "event", "taken", "Anna")]
    assert chat.take(session.id, anna, agent_actor(anna)).id == session.id  # a second click: nothing new
    assert len(chat.messages_after(session.id, 0)) == 6


def test_an_agent_of_another_shop_cannot_take_the_chat(order, other_shop, anna, make_agent, online, start):
    online(anna)
    session = start(order)
    stranger = make_agent("olli@pyorapaja.fi", other_shop)
    with pytest.raises(Forbidden):
        chat.take(session.id, stranger, agent_actor(stranger))


def test_capacity_is_enforced(shop, make_order, anna, online, start):
    online(anna, capacity=2)
    sessions = [
        start(make_order(shop, f"2000{n}", customer={"email": f"b{n}@example.fi", "name": f"B {n}"})) for n in range(3)
    ]
    chat.take(sessions[0].id, anna, agent_actor(anna))
    chat.take(sessions[1].id, anna, agent_actor(anna))
    with pytest.raises(Conflict) as refused:
        chat.take(sessions[2].id, anna, agent_actor(anna))
    assert refused.value.code == "at_capacity"
    assert "You have 2 chats going on, your limit is 2" in str(refused.value)
    assert db.session.get(ChatSession, sessions[2].id).status == "waiting"


def _at_once(app, jobs):
    """Run each job in its own thread and app context, all released together; their results
    (a value or the exception raised) in the jobs' order."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job):
        with app.app_context():
            barrier.wait()
            try:
                results[index] = job()
            except Exception as exc:
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_agents_taking_the_same_chat_one_wins_and_the_other_is_told(app, order, anna, ville, online, start):
    online(anna, ville)
    session = start(order)
    db.session.commit()
    anna_id, ville_id, session_id = anna.id, ville.id, session.id

    def taking(user_id):
        def job():
            from portal.accounts.models import User

            user = db.session.get(User, user_id)
            return chat.take(session_id, user, agent_actor(user)).agent_id

        return job

    results = _at_once(app, [taking(anna_id), taking(ville_id)])
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], chat.AlreadyTaken)
    winner_name = "Anna Laine" if winners[0] == anna_id else "Ville Tuki"
    assert str(losers[0]) == f"{winner_name} took this chat already."
    db.session.expire_all()
    assert db.session.get(ChatSession, session_id).agent_id == winners[0]
    taken_events = db.session.scalar(
        select(func.count(ChatMessage.id)).where(ChatMessage.session_id == session_id, ChatMessage.body == "taken")
    )
    assert taken_events == 1


def test_one_agent_in_two_tabs_cannot_go_past_their_capacity(app, shop, make_order, anna, online, start):
    online(anna, capacity=1)
    ids = [
        start(make_order(shop, f"3000{n}", customer={"email": f"c{n}@example.fi", "name": f"C {n}"})).id
        for n in range(2)
    ]
    db.session.commit()
    anna_id = anna.id

    def taking(chat_id):
        def job():
            from portal.accounts.models import User

            user = db.session.get(User, anna_id)
            return chat.take(chat_id, user, agent_actor(user)).id

        return job

    results = _at_once(app, [taking(ids[0]), taking(ids[1])])
    assert sum(isinstance(r, str) for r in results) == 1, results
    assert [r.code for r in results if isinstance(r, Exception)] == ["at_capacity"]
    db.session.expire_all()
    assert chat.active_count(anna_id) == 1


# -- messages ----------------------------------------------------------------------------------


def test_only_the_chats_buyer_and_its_agent_write_in_it(shop, order, second_order, anna, ville, online, start):
    online(anna, ville)
    session = start(order)
    chat.post_message(session.id, "Are you there?", buyer_of(order))  # waiting: the agent reads it later
    with pytest.raises(Forbidden):
        chat.post_message(session.id, "Hello", agent_actor(anna))  # not taken yet
    chat.take(session.id, anna, agent_actor(anna))
    with pytest.raises(NotFound):
        chat.post_message(session.id, "Me too", buyer_of(second_order))  # another buyer
    with pytest.raises(Forbidden):
        chat.post_message(session.id, "I can help", agent_actor(ville))  # not the chat's agent
    with pytest.raises(ValidationFailed):
        chat.post_message(session.id, "   ", agent_actor(anna))
    reply = chat.post_message(session.id, "Hello Aino, I am looking at your order.", agent_actor(anna))
    assert (reply.seq, reply.author_kind, reply.author_label) == (8, "agent", "Anna")
    assert [m.seq for m in chat.messages_after(session.id, 0)] == list(range(1, 9))


def test_messages_written_at_once_get_unique_consecutive_seqs(app, order, anna, online, start):
    online(anna)
    session = start(order)
    chat.take(session.id, anna, agent_actor(anna))
    db.session.commit()
    session_id, buyer, agent = session.id, buyer_of(order), agent_actor(anna)

    def writing(actor, n):
        def job():
            return [chat.post_message(session_id, f"{actor.kind} {n}.{i}", actor).seq for i in range(5)]

        return job

    results = _at_once(app, [writing(buyer, 1), writing(agent, 2), writing(buyer, 3), writing(agent, 4)])
    assert not [r for r in results if isinstance(r, Exception)], results
    seqs = sorted(seq for result in results for seq in result)
    assert seqs == list(range(7, 27))
    for result in results:  # each writer's messages in the order written
        assert result == sorted(result)


def test_the_agent_shares_an_article_and_attaches_an_order(shop, order, make_order, anna, online, start):
    online(anna)
    session = start(order)
    chat.take(session.id, anna, agent_actor(anna))
    other = make_order(shop, "100599", locale="en", customer={"email": "aino@example.fi", "name": "Aino Virtanen"})
    article = chat.share_article(session.id, "faulty-product", agent_actor(anna))
    assert (article.kind, article.link_url) == ("article", "/s/kodinkone/help/faulty-product")
    assert article.body  # the title in the buyer's language
    attached = chat.attach_order(session.id, other.number, agent_actor(anna))
    assert (attached.kind, attached.body, attached.link_url) == ("order", "100599", "/s/kodinkone/orders/100599")
    assert db.session.get(ChatSession, session.id).order_id == other.id
    with pytest.raises(ValidationFailed):
        chat.attach_order(session.id, "nope", agent_actor(anna))
    with pytest.raises(Forbidden):
        chat.share_article(session.id, "faulty-product", buyer_of(order))


# -- the end -----------------------------------------------------------------------------------


def _chatted(order, anna, start):
    session = start(order)
    chat.take(session.id, anna, agent_actor(anna))
    chat.post_message(session.id, "It hits the shelf inside.", buyer_of(order))
    chat.post_message(session.id, "Move the lowest shelf one step up; that fixes it.", agent_actor(anna))
    chat.post_message(session.id, "It closes now, thank you!", buyer_of(order))
    return session


def test_ended_as_solved_the_chat_is_a_solved_ticket_with_the_whole_transcript(app, order, anna, online, start):
    app.config["PUBLIC_BASE_URL"] = "https://portal.example"
    online(anna)
    session = _chatted(order, anna, start)
    ended = chat.end_chat(session.id, agent_actor(anna), solved=True)
    assert (ended.status, ended.ended_by) == ("ended", "agent") and ended.ticket_id
    ticket = db.session.get(Ticket, ended.ticket_id)
    db.session.refresh(ticket)
    assert (ticket.source, ticket.status, ticket.assignee_id, ticket.order_id) == ("chat", "solved", anna.id, order.id)
    assert ticket.subject == "Live chat: The fridge door does not close"
    assert ticket.first_responded_at is not None and ticket.solved_at is not None
    public = [(m.author_kind, m.body) for m in ticket.public_messages]
    assert public == [
        ("buyer", "The fridge door does not close"),
        ("system", "I am not sure I understood."),
        ("buyer", "I want to talk to a person"),
        ("system", "Of course."),
        ("buyer", "It hits the shelf inside."),
        ("staff", "Move the lowest shelf one step up; that fixes it."),
        ("buyer", "It closes now, thank you!"),
    ]
    notes = [m.body for m in ticket.messages if m.internal]
    assert notes[0].startswith("Live chat with anna@kodinkone.fi") and "ended by the agent" in notes[0]
    assert "Anna took the chat." in notes and "The chat ended (by the agent)." in notes
    mails = [
        m.kind for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == order.customer.email))
    ]
    # Solved: the satisfaction question follows as for any solved ticket (portal.feedback), not an acknowledgement.
    assert "ticket_received" not in mails
    actions = set(
        db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id.in_([session.id, ticket.id])))
    )
    assert {"chat.started", "chat.taken", "chat.ended", "ticket.opened", "ticket.status"} <= actions


def test_kept_open_the_chat_is_an_open_ticket_on_the_desk(order, anna, online, start):
    online(anna)
    session = _chatted(order, anna, start)
    ticket = db.session.get(Ticket, chat.end_chat(session.id, agent_actor(anna), solved=False).ticket_id)
    assert (ticket.status, ticket.survey_sent_at) == ("open", None)
    mails = [
        m.kind for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == order.customer.email))
    ]
    assert "ticket_received" in mails  # the buyer learns the ticket's number and when to expect an answer


def test_the_buyer_ending_an_active_chat_leaves_an_open_ticket_and_a_second_end_changes_nothing(
    order, anna, online, start
):
    online(anna)
    session = _chatted(order, anna, start)
    ended = chat.end_chat(session.id, buyer_of(order), solved=True)  # a buyer cannot mark it solved
    assert ended.ended_by == "buyer"
    ticket = db.session.get(Ticket, ended.ticket_id)
    assert ticket.status == "open"
    again = chat.end_chat(session.id, agent_actor(anna), solved=True)
    assert (again.ticket_id, again.ended_by) == (ended.ticket_id, "buyer")
    assert db.session.scalar(select(func.count(Ticket.id)).where(Ticket.source == "chat")) == 1
    with pytest.raises(Conflict):
        chat.post_message(session.id, "One more thing", buyer_of(order))


def test_leaving_the_queue_abandons_the_chat_without_a_ticket(order, anna, online, start):
    online(anna)
    session = start(order)
    left = chat.end_chat(session.id, buyer_of(order))
    assert (left.status, left.ended_by, left.ticket_id) == ("abandoned", "buyer", None)
    assert chat.messages_after(session.id, 0)[-1].body == "abandoned"
    assert db.session.scalar(select(func.count(Ticket.id))) == 0


def test_a_waiting_buyer_whose_page_went_quiet_leaves_the_queue(shop, order, second_order, anna, online, start):
    online(anna)
    quiet, present = start(order), start(second_order)
    later = utcnow() + timedelta(minutes=4)
    chat.buyer_seen(present, later)
    assert chat.sweep_gone_buyers(shop.id, later) == 1
    db.session.expire_all()
    assert (db.session.get(ChatSession, quiet.id).status, db.session.get(ChatSession, present.id).status) == (
        "abandoned",
        "waiting",
    )
    assert chat.queue_position(db.session.get(ChatSession, present.id)) == 1


def test_the_buyers_rating_answers_the_tickets_satisfaction_question(order, anna, online, start):
    online(anna)
    session = _chatted(order, anna, start)
    with pytest.raises(Conflict):
        chat.rate_chat(session.id, order.customer_id, 5)
    chat.end_chat(session.id, agent_actor(anna), solved=True)
    ticket = chat.rate_chat(session.id, order.customer_id, 5, "Quick and kind")
    assert (ticket.csat_rating, ticket.csat_comment) == (5, "Quick and kind")
    assert chat.rate_chat(session.id, order.customer_id, 1).csat_rating == 5  # the first answer is kept
    with pytest.raises(NotFound):
        chat.rate_chat(session.id, "cus_someoneelse", 4)


def test_a_poor_rating_opens_a_follow_up_for_the_team_lead(order, anna, online, start):
    online(anna)
    session = _chatted(order, anna, start)
    chat.end_chat(session.id, agent_actor(anna), solved=True)
    chat.rate_chat(session.id, order.customer_id, 2)
    follow_up = db.session.scalars(select(Ticket).where(Ticket.queue == "team_lead")).one()
    assert follow_up.follow_up_of == db.session.get(ChatSession, session.id).ticket_id


def test_presence_changes_are_audited_and_capacity_is_bounded(anna):
    chat.set_presence(anna, "online", agent_actor(anna), capacity=5)
    presence = db.session.get(AgentPresence, anna.id)
    assert (presence.status, presence.capacity) == ("online", 5)
    with pytest.raises(ValidationFailed):
        chat.set_presence(anna, "online", agent_actor(anna), capacity=0)
    with pytest.raises(ValidationFailed):
        chat.set_presence(anna, "busy", agent_actor(anna))
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "chat.presence")).one()
    assert entry.after == {"status": "online", "capacity": 5}
