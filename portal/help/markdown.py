"""Article bodies: Markdown (CommonMark, raw HTML off) rendered, then sanitised to a short list of
tags, so a merchant's text can never carry a script, a style or an event handler."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "code", "pre", "a", "hr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")


def render(body: str) -> Markup:
    html = _parser().render(body or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"https", "http", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def plain(body: str, limit: int = 200) -> str:
    """The body as one line of text, for search results and the assistant's answers."""
    text = nh3.clean(_parser().render(body or ""), tags=set())
    text = " ".join(text.split())
    from html import unescape

    text = unescape(text)
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
