"""Add translations for new strings to every catalogue: a small helper for reviewed
translations kept in a JSON file {msgid: {lang: text}}. Usage:
    .venv/bin/python scripts/add_translations.py new.json
"""

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent / "portal" / "translations"


def main(path: str) -> None:
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    for language in ("fi", "sv", "da", "nb", "is", "en"):
        po_path = ROOT / language / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        for msgid, texts in entries.items():
            text = msgid if language == "en" else texts[language]
            if msgid in catalog:
                catalog[msgid].string = text
                catalog[msgid].flags.discard("fuzzy")
            else:
                catalog.add(msgid, text)
        with po_path.open("wb") as handle:
            write_po(handle, catalog, width=0, no_location=True, sort_output=True)


if __name__ == "__main__":
    main(sys.argv[1])
