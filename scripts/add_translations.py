"""Add translations for new strings to every catalogue: a small helper for reviewed
translations kept in JSON files {msgid: {lang: text}} (a plural message is keyed by its
singular and given as [singular, plural]; a file may hold only some languages; English is
the msgid itself). Usage:
    .venv/bin/python scripts/add_translations.py new.json [more.json ...]
"""

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent / "portal" / "translations"


def main(*paths: str) -> None:
    entries: dict[str, dict] = {}
    for path in paths:
        for msgid, texts in json.loads(Path(path).read_text(encoding="utf-8")).items():
            entries.setdefault(msgid, {}).update(texts)
    for language in ("fi", "sv", "da", "nb", "is", "en"):
        po_path = ROOT / language / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        for msgid, texts in entries.items():
            existing = catalog.get(msgid)
            plural = existing is not None and isinstance(existing.id, tuple)
            if language == "en":
                text = tuple(existing.id) if plural else msgid
            elif language not in texts:
                continue
            else:
                text = tuple(texts[language]) if plural else texts[language]
            if msgid in catalog:
                catalog[msgid].string = text
                catalog[msgid].flags.discard("fuzzy")
            else:
                catalog.add(msgid, text)
        with po_path.open("wb") as handle:
            write_po(handle, catalog, width=0, no_location=True, sort_output=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
