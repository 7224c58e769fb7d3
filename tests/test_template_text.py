"""No template holds text a buyer or staff member reads that is not run through gettext: every
word outside ``{{ _("…") }}`` and Jinja statements fails here (names the file and the words)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "templates"
# Names that are the same in every language.
ALLOWED = {"Apuri"}
_STRIP = [
    re.compile(r"\{#.*?#\}", re.S),  # Jinja comments
    re.compile(r"\{%\s*block\s+section\s*%\}.*?\{%\s*endblock\s*%\}", re.S),  # the console's section codes
    re.compile(r"\{%.*?%\}", re.S),  # statements
    re.compile(r"\{\{.*?\}\}", re.S),  # expressions (translated text arrives through them)
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I),
    re.compile(r"<[^>]*>", re.S),  # tags and their attributes (labels come through expressions)
    re.compile(r"&[a-zA-Z#0-9]+;"),  # entities such as &nbsp;
    re.compile(r"\S*/\S*"),  # paths shown as text, e.g. /s/<shop>/help/<key>
]
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def untranslated(source: str) -> list[str]:
    for pattern in _STRIP:
        source = pattern.sub(" ", source)
    return [word for word in _WORD.findall(source) if word not in ALLOWED]


def test_every_template_word_goes_through_gettext():
    found = {}
    for path in sorted(ROOT.rglob("*")):
        if path.suffix in (".html", ".txt"):
            words = untranslated(path.read_text(encoding="utf-8"))
            if words:
                found[str(path.relative_to(ROOT))] = words[:10]
    assert found == {}, "untranslated text in templates: " + "; ".join(f"{k}: {v}" for k, v in found.items())


def test_the_check_finds_plain_text():
    assert untranslated('<p class="x">{{ _("Hello") }} Order details</p>') == ["Order", "details"]
    assert untranslated("{% if x %}{{ _('Fine') }}{% endif %} · 3 ×") == []
