"""Every translatable string has a translation in all six languages, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("fi", "sv", "da", "nb", "is", "en")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHODS = [("portal/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def source_messages() -> set[str]:
    messages = set()
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS, options_map={"templates/**.html": {}, "templates/**.txt": {}}
    ):
        if not filename.startswith((".venv", "tests")):
            messages.add(message if isinstance(message, str) else message[0])
    return messages


@pytest.fixture(scope="module")
def messages() -> set[str]:
    found = source_messages()
    assert len(found) > 100, "the extraction found suspiciously few strings"
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(language, messages):
    po_path = ROOT / "portal" / "translations" / language / "LC_MESSAGES" / "messages.po"
    assert po_path.exists(), f"no catalogue for {language}: run `make translations`"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    missing = []
    broken = []
    for msgid in sorted(messages):
        entry = catalog.get(msgid)
        # A plural message has one translation per plural form of the language.
        forms = entry.string if entry is not None and isinstance(entry.string, tuple) else (entry and entry.string,)
        if entry is None or not all(forms) or entry.fuzzy:
            missing.append(msgid)
            continue
        if any(set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(form)) for form in forms):
            broken.append(msgid)
    assert not missing, f"{len(missing)} strings lack a {language} translation, e.g. {missing[:5]}"
    assert not broken, f"{language} translations with different placeholders: {broken[:5]}"
