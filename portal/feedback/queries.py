"""A shop's feedback over a range of its local days: scores by ISO week and topic, the requests
sent and answered, and the comments (newest first) for the theme grouping.

Weeks and the range come from ``portal.insights.queries`` (the Today page's figures), so both
pages cut days and weeks the same way, in the shop's time zone, on SQLite and PostgreSQL alike.
An answer counts in the week it was first given, with the score it has now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select

from portal.claims.models import Claim
from portal.extensions import db
from portal.feedback.models import FeedbackAnswer, FeedbackRequest, RequestStatus, SkipReason, Topic
from portal.insights.queries import Period, Week, _week_index, weeks
from portal.orders.models import Order
from portal.returns.models import ReturnRequest
from portal.support.models import Ticket

TOPICS = tuple(topic.value for topic in Topic)
COMMENT_LIMIT = 1000  # the newest comments of the range are grouped; more would say nothing new


def average(total: int, answers: int) -> Decimal | None:
    """The mean score to one decimal (None without answers)."""
    if not answers:
        return None
    return (Decimal(total) / Decimal(answers)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class WeekScore:
    week: Week
    topic: str
    answers: int
    total: int

    @property
    def average(self) -> Decimal | None:
        return average(self.total, self.answers)


def weekly_scores(merchant_id: str, period: Period) -> list[WeekScore]:
    """Answers first given in the range, per ISO week and topic: how many and their score sum.
    Every week of the range and every topic is listed, a week without answers as zero."""
    period_weeks = weeks(period)
    bucket = (
        select(
            _week_index(FeedbackAnswer.answered_at, period_weeks).label("week"),
            FeedbackAnswer.topic.label("topic"),
            FeedbackAnswer.score.label("score"),
        )
        .where(FeedbackAnswer.merchant_id == merchant_id, period.contains(FeedbackAnswer.answered_at))
        .subquery("bucket")
    )
    rows = db.session.execute(
        select(bucket.c.week, bucket.c.topic, func.count(), func.sum(bucket.c.score)).group_by(
            bucket.c.week, bucket.c.topic
        )
    ).all()
    found = {(int(index), topic): (int(n), int(total)) for index, topic, n, total in rows}
    return [
        WeekScore(week, topic, *found.get((index, topic), (0, 0)))
        for index, week in enumerate(period_weeks)
        for topic in TOPICS
    ]


@dataclass(frozen=True)
class TopicScore:
    topic: str
    answers: int
    total: int
    scores: dict[int, int]  # 1–5 → how many

    @property
    def average(self) -> Decimal | None:
        return average(self.total, self.answers)


def topic_scores(merchant_id: str, period: Period) -> list[TopicScore]:
    """Per topic over the whole range: answers, their average and how many gave each score."""
    rows = db.session.execute(
        select(FeedbackAnswer.topic, FeedbackAnswer.score, func.count())
        .where(FeedbackAnswer.merchant_id == merchant_id, period.contains(FeedbackAnswer.answered_at))
        .group_by(FeedbackAnswer.topic, FeedbackAnswer.score)
    ).all()
    by_topic: dict[str, dict[int, int]] = {topic: {score: 0 for score in range(1, 6)} for topic in TOPICS}
    for topic, score, n in rows:
        by_topic.setdefault(topic, {s: 0 for s in range(1, 6)})[int(score)] = int(n)
    return [
        TopicScore(topic, sum(scores.values()), sum(s * n for s, n in scores.items()), scores)
        for topic, scores in by_topic.items()
    ]


@dataclass(frozen=True)
class RequestCounts:
    sent: int  # requests e-mailed in the range
    answered: int  # of which answered
    skipped_for_limit: int  # not sent: the buyer had been asked something else that week
    follow_ups: int  # tickets opened for a score of 1–2 given in the range


def request_counts(merchant_id: str, period: Period) -> RequestCounts:
    answered = select(FeedbackAnswer.id).where(FeedbackAnswer.request_id == FeedbackRequest.id).exists()
    sent, with_answer = db.session.execute(
        select(func.count(FeedbackRequest.id), func.coalesce(func.sum(case((answered, 1), else_=0)), 0)).where(
            FeedbackRequest.merchant_id == merchant_id,
            FeedbackRequest.status == RequestStatus.SENT.value,
            period.contains(FeedbackRequest.sent_at),
        )
    ).one()
    skipped = db.session.scalar(
        select(func.count(FeedbackRequest.id)).where(
            FeedbackRequest.merchant_id == merchant_id,
            FeedbackRequest.skip_reason == SkipReason.WEEKLY_LIMIT.value,
            period.contains(FeedbackRequest.skipped_at),
        )
    )
    follow_ups = db.session.scalar(
        select(func.count(FeedbackAnswer.id)).where(
            FeedbackAnswer.merchant_id == merchant_id,
            FeedbackAnswer.follow_up_ticket_id.is_not(None),
            period.contains(FeedbackAnswer.answered_at),
        )
    )
    return RequestCounts(int(sent), int(with_answer), int(skipped or 0), int(follow_ups or 0))


@dataclass(frozen=True)
class Comment:
    """One comment with what the console links it to."""

    answer_id: str
    topic: str
    score: int
    comment: str
    locale: str
    answered_at: datetime
    order_number: str | None
    subject_id: str
    subject_number: str | None  # the return's, claim's or ticket's number
    follow_up_id: str | None
    follow_up_number: str | None


def comments(merchant_id: str, period: Period, limit: int = COMMENT_LIMIT) -> list[Comment]:
    """The comments of the answers first given in the range, newest first (at most ``limit``)."""
    follow_up = Ticket.__table__.alias("follow_up")
    rows = db.session.execute(
        select(
            FeedbackAnswer.id,
            FeedbackAnswer.topic,
            FeedbackAnswer.score,
            FeedbackAnswer.comment,
            FeedbackAnswer.locale,
            FeedbackAnswer.answered_at,
            Order.number,
            FeedbackRequest.subject_id,
            follow_up.c.id,
            follow_up.c.number,
        )
        .join(FeedbackRequest, FeedbackAnswer.request_id == FeedbackRequest.id)
        .outerjoin(Order, FeedbackRequest.order_id == Order.id)
        .outerjoin(follow_up, FeedbackAnswer.follow_up_ticket_id == follow_up.c.id)
        .where(
            FeedbackAnswer.merchant_id == merchant_id,
            period.contains(FeedbackAnswer.answered_at),
            FeedbackAnswer.comment.is_not(None),
            FeedbackAnswer.comment != "",
        )
        .order_by(FeedbackAnswer.answered_at.desc(), FeedbackAnswer.id.desc())
        .limit(limit)
    ).all()
    numbers = _subject_numbers(rows)
    return [
        Comment(
            answer_id,
            topic,
            int(score),
            comment,
            locale,
            answered_at,
            order_number,
            subject_id,
            numbers.get((topic, subject_id)),
            follow_up_id,
            follow_up_number,
        )
        for answer_id, topic, score, comment, locale, answered_at, order_number, subject_id, follow_up_id, follow_up_number in rows
    ]


def _subject_numbers(rows) -> dict[tuple[str, str], str]:
    """The numbers of the returns, claims and tickets the comments are about (one query each)."""
    numbers: dict[tuple[str, str], str] = {}
    for topic, model in ((Topic.RETURN.value, ReturnRequest), (Topic.CLAIM.value, Claim), (Topic.TICKET.value, Ticket)):
        ids = {row[7] for row in rows if row[1] == topic}
        if ids:
            for ident, number in db.session.execute(select(model.id, model.number).where(model.id.in_(ids))):
                numbers[(topic, ident)] = number
    return numbers
