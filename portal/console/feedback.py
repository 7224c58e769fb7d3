"""The console's Feedback page: what buyers answered after deliveries, returns, claims and
tickets, for a range of the shop's days — the weekly average score per topic as a chart with a
table of the same numbers, and the comments grouped into recurring themes (``portal.feedback.
themes``), each with its count, its average score and its newest comments linked to the order
or ticket. Every table is a CSV too. Shop-scoped like the Today page, for all staff roles.

The chart is inline SVG drawn by the template from the coordinates worked out here: no script,
no inline style (the CSP allows neither). Its x positions are per cent of the width and its y
positions pixels, so it stretches on a phone without shrinking its text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import make_response, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from portal.accounts.permissions import staff_required
from portal.console.insights import Bar, Chart, _period_choice, csv_body, week_label
from portal.console.views import _choose_shop, _shop, _shop_args, bp
from portal.errors import NotFound
from portal.feedback import queries, themes
from portal.feedback.models import Topic
from portal.feedback.services import topic_label
from portal.i18n import set_page_locale
from portal.insights.queries import Period
from portal.merchants.models import Merchant
from portal.orders.services import merchant_today

EXAMPLES = 3  # the newest comments shown under each theme (all of them with ?theme=…)

# Each topic's line: a colour with at least 3:1 contrast on white, and a dash pattern and marker
# of its own, so the lines differ without colour too.
SERIES_STYLE = {
    Topic.DELIVERY.value: ("#0b4f8a", "", "circle"),
    Topic.RETURN.value: ("#8a4b00", "8 4", "square"),
    Topic.CLAIM.value: ("#6b2d87", "2 4", "triangle"),
    Topic.TICKET.value: ("#1e6b3a", "12 4 2 4", "diamond"),
}

# The plot area: x from PLOT_LEFT to PLOT_RIGHT per cent of the width, y in pixels.
PLOT_LEFT, PLOT_RIGHT = 6.0, 94.0  # room for the first and last week's label
PLOT_TOP, PLOT_BOTTOM = 12, 172  # score 5 at the top, 1 at the bottom
CHART_HEIGHT = 200
MAX_WEEK_LABELS = 7


@dataclass(frozen=True)
class Point:
    x: float  # per cent
    y: float  # pixels
    text: str  # the week and the number, for the marker's title


@dataclass
class Series:
    topic: str
    label: str
    colour: str
    dash: str
    marker: str
    points: list[Point | None] = field(default_factory=list)  # None: no answers that week

    @property
    def segments(self) -> list[tuple[Point, Point]]:
        """Lines between the answered weeks next to each other (a week without answers breaks the line)."""
        return [(a, b) for a, b in zip(self.points, self.points[1:], strict=False) if a and b]

    @property
    def marks(self) -> list[Point]:
        return [p for p in self.points if p]


@dataclass(frozen=True)
class Tick:
    x: float
    text: str


@dataclass(frozen=True)
class LineChart:
    series: list[Series]
    weeks: list[Tick]  # the labelled weeks under the plot
    levels: list[tuple[int, float]]  # (score, y) of the grid lines
    height: int
    summary: str  # the numbers in words, for the svg's accessible name

    @property
    def empty(self) -> bool:
        return not any(s.marks for s in self.series)


def _x(index: int, count: int) -> float:
    if count == 1:
        return round((PLOT_LEFT + PLOT_RIGHT) / 2, 2)
    return round(PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * index / (count - 1), 2)


def _y(score: float) -> float:
    return round(PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * (score - 1) / 4, 1)


def _number(value) -> str:
    """An average score as the reader writes it, always with its one decimal ("4.0", "3,5")."""
    return format_decimal(value, format="#,##0.0") if value is not None else "—"


def score_chart(rows: list[queries.WeekScore]) -> LineChart:
    """The weekly average per topic as lines (only the topics with an answer in the range)."""
    week_list = list(dict.fromkeys(row.week for row in rows))
    count = len(week_list)
    series = []
    words = []
    for topic in queries.TOPICS:
        topic_rows = [row for row in rows if row.topic == topic]
        if not any(row.answers for row in topic_rows):
            continue
        colour, dash, marker = SERIES_STYLE[topic]
        line = Series(topic, topic_label(topic), colour, dash, marker)
        for index, row in enumerate(topic_rows):
            if not row.answers:
                line.points.append(None)
                continue
            text = _(
                "%(topic)s, %(week)s: %(average)s out of 5 (%(answers)s)",
                topic=line.label,
                week=week_label(row.week),
                average=_number(row.average),
                answers=ngettext("%(num)s answer", "%(num)s answers", row.answers),
            )
            line.points.append(Point(_x(index, count), _y(float(row.average)), text))
            words.append(text)
        series.append(line)
    step = max(1, -(-count // MAX_WEEK_LABELS))
    ticks = [
        Tick(_x(index, count), _("W%(week)s", week=week.number))
        for index, week in enumerate(week_list)
        if index % step == 0 or index == count - 1
    ]
    return LineChart(series, ticks, [(score, _y(score)) for score in range(5, 0, -1)], CHART_HEIGHT, "; ".join(words))


def week_table(rows: list[queries.WeekScore]) -> list[tuple[queries.Week, dict[str, queries.WeekScore]]]:
    """The chart's numbers: one row per week, a cell per topic."""
    table: dict = {}
    for row in rows:
        table.setdefault(row.week, {})[row.topic] = row
    return list(table.items())


@dataclass(frozen=True)
class ThemeView:
    key: str
    label: str
    count: int
    average: object  # Decimal | None
    comments: list[queries.Comment]  # newest first
    shared_words: bool  # found by shared words, not by the lexicon


def theme_views(comments: list[queries.Comment]) -> tuple[list[ThemeView], list[queries.Comment]]:
    """The comments' themes (the most comments first) and the comments in none."""
    grouping = themes.group([(c.comment, c.locale) for c in comments])
    views = []
    for theme in grouping.themes:
        members = [comments[i] for i in theme.members]
        views.append(
            ThemeView(
                theme.key,
                theme.label,
                len(members),
                queries.average(sum(c.score for c in members), len(members)),
                members,
                theme.key.startswith("words:"),
            )
        )
    return views, [comments[i] for i in grouping.ungrouped]


def _bars(topics: list[queries.TopicScore]) -> Chart:
    return Chart(
        [
            Bar(
                topic_label(row.topic),
                float(row.average or 0),
                _(
                    "%(average)s out of 5 (%(answers)s)",
                    average=_number(row.average),
                    answers=ngettext("%(num)s answer", "%(num)s answers", row.answers),
                ),
            )
            for row in topics
            if row.answers
        ]
    )


def comment_links(comment: queries.Comment) -> list[tuple[str, str]]:
    """(label, console url) of what a comment is about, and of the ticket it opened."""
    shop = _shop_args()
    links = []
    if comment.order_number:
        links.append(
            (_("Order %(number)s", number=comment.order_number), url_for(".order", number=comment.order_number, **shop))
        )
    if comment.topic == Topic.RETURN.value and comment.subject_number:
        links.append(
            (
                _("Return %(number)s", number=comment.subject_number),
                url_for(".return_detail", return_id=comment.subject_id, **shop),
            )
        )
    elif comment.topic == Topic.CLAIM.value and comment.subject_number:
        links.append(
            (
                _("Claim %(number)s", number=comment.subject_number),
                url_for(".claim_detail", claim_id=comment.subject_id, **shop),
            )
        )
    elif comment.topic == Topic.TICKET.value and comment.subject_number:
        links.append(
            (
                _("Ticket %(number)s", number=comment.subject_number),
                url_for(".ticket_detail", ticket_id=comment.subject_id, **shop),
            )
        )
    if comment.follow_up_id:
        links.append(
            (
                _("Follow-up ticket %(number)s", number=comment.follow_up_number),
                url_for(".ticket_detail", ticket_id=comment.follow_up_id, **shop),
            )
        )
    return links


# -- CSV ----------------------------------------------------------------------------------------


def _plain(value) -> str:
    return "" if value is None else str(value)


def _scores_table(merchant: Merchant, period: Period) -> tuple[list[str], list[list]]:
    rows = queries.weekly_scores(merchant.id, period)
    return (
        [_("Week"), _("Week starts"), _("Topic"), _("Answers"), _("Average score, out of 5")],
        [
            [row.week.code, row.week.monday.isoformat(), topic_label(row.topic), row.answers, _plain(row.average)]
            for row in rows
        ],
    )


def _themes_table(merchant: Merchant, period: Period) -> tuple[list[str], list[list]]:
    views, ungrouped = theme_views(queries.comments(merchant.id, period))
    rows = [[view.label, view.count, _plain(view.average)] for view in views]
    if ungrouped:
        rows.append(
            [
                _("Other comments"),
                len(ungrouped),
                _plain(queries.average(sum(c.score for c in ungrouped), len(ungrouped))),
            ]
        )
    return [_("Theme"), _("Comments"), _("Average score, out of 5")], rows


def _comments_table(merchant: Merchant, period: Period) -> tuple[list[str], list[list]]:
    comments = queries.comments(merchant.id, period)
    views, _ungrouped = theme_views(comments)
    named: dict[str, list[str]] = {}
    for view in views:
        for comment in view.comments:
            named.setdefault(comment.answer_id, []).append(view.label)
    return (
        [_("Answered"), _("Topic"), _("Score"), _("Comment"), _("Themes"), _("Order"), _("Follow-up ticket")],
        [
            [
                c.answered_at.isoformat(),
                topic_label(c.topic),
                c.score,
                c.comment,
                "; ".join(named.get(c.answer_id, [])),
                c.order_number or "",
                c.follow_up_number or "",
            ]
            for c in comments
        ],
    )


CSV_TABLES = {"scores": _scores_table, "themes": _themes_table, "comments": _comments_table}


# -- pages ----------------------------------------------------------------------------------------


@bp.get("/feedback", endpoint="feedback")
@staff_required()
def feedback_page():
    """Scores by week and topic, the request counts, and the comments' themes for the chosen range
    (default: the last 30 days); ``theme`` lists every comment of one theme."""
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    set_page_locale(None, merchant.timezone)
    today: date = merchant_today(merchant)
    choice = _period_choice(merchant, today)
    period = choice.period
    weekly = queries.weekly_scores(merchant.id, period)
    topics = queries.topic_scores(merchant.id, period)
    views, ungrouped = theme_views(queries.comments(merchant.id, period))
    chosen = request.args.get("theme") or ""
    shown = next((view for view in views if view.key == chosen), None)
    if chosen == "other":
        shown = ThemeView("other", _("Other comments"), len(ungrouped), None, ungrouped, False)
    return render_template(
        "console/feedback.html",
        merchant=merchant,
        choice=choice,
        period=period,
        chart=score_chart(weekly),
        weeks=week_table(weekly),
        topics=topics,
        topic_bars=_bars(topics),
        counts=queries.request_counts(merchant.id, period),
        themes=views,
        ungrouped=ungrouped,
        shown=shown,
        examples=EXAMPLES,
        topic_label=topic_label,
        comment_links=comment_links,
        number=_number,
        period_args={"from": period.first.isoformat(), "to": period.last.isoformat(), **_shop_args()},
    )


@bp.get("/feedback/<table>.csv", endpoint="feedback_csv")
@staff_required()
def feedback_csv(table: str):
    """One of the page's tables for the range as a CSV file: a header row, then its rows."""
    merchant = _shop()
    if merchant is None:
        return _choose_shop()
    build = CSV_TABLES.get(table)
    if build is None:
        raise NotFound()
    set_page_locale(None, merchant.timezone)
    choice = _period_choice(merchant, merchant_today(merchant))
    if choice.errors:
        problems = " ".join(str(message) for messages in choice.errors.values() for message in messages)
        response = make_response(problems, 400)
        response.mimetype = "text/plain"
        return response
    period = choice.period
    response = make_response(csv_body(*build(merchant, period)))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    filename = f"{merchant.slug}-feedback-{table}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
