"""Search words as the help centre sees them: lower-cased, stop words out, stemmed per language
(Snowball; a light suffix rule for Icelandic), and a misspelt word replaced by the closest words
the shop's articles use. Both databases then search the same stems: PostgreSQL with
``to_tsvector``/``to_tsquery`` (prefix matches), SQLite with an FTS5 table ranked by BM25.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import snowballstemmer
from sqlalchemy import text

from portal.extensions import db

_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_STEMMERS = {"fi": "finnish", "sv": "swedish", "da": "danish", "nb": "norwegian", "en": "english"}
# Icelandic has no Snowball stemmer: the commonest case and article endings come off instead.
_IS_ENDINGS = ("unum", "inum", "anna", "inni", "sins", "num", "ins", "inn", "ina", "ið", "ar", "ir", "ur", "um")

# Words that say nothing about which article fits ("where is my …").
STOP_WORDS = {
    "fi": set(
        "ja tai on ei ole oli olla se ne tämä että kun jos niin kuin mutta mitä mikä missä miten milloin miksi "
        "minä mä mun mulla mulle minun minulla minulle sinä te me hän he voi voinko voiko saanko onko onks "
        "mitäs nyt vielä jo kanssa myös siitä siinä sen sitä pitää pitäisi kiitos hei moi".split()
    ),
    "sv": set(
        "och eller är inte var vara det den de detta att när om så som men vad vilken var hur varför jag "
        "mig min mitt mina du ni vi han hon kan får ska skulle har hade med också tack hej".split()
    ),
    "da": set(
        "og eller er ikke var være det den de dette at når hvis så som men hvad hvilken hvor hvordan hvorfor "
        "jeg mig min mit mine du i vi han hun kan får skal skulle har havde med også tak hej".split()
    ),
    "nb": set(
        "og eller er ikke var være det den de dette at når hvis så som men hva hvilken hvor hvordan hvorfor "
        "jeg meg min mitt mine du dere vi han hun kan får skal skulle har hadde med også takk hei".split()
    ),
    "is": set(
        "og eða er ekki var vera það sá sú þau þetta að þegar ef svo sem en hvað hver hvar hvernig hvenær "
        "af hverju ég mig mér minn mín mitt þú við hann hún get getur má á hef hefur með líka takk halló".split()
    ),
    "en": set(
        "a an the and or is are was were be been not it this that these those to of in on at for with when "
        "if so as but what which where how why who i me my mine you your we our can could do does did have "
        "has had will would should please thanks hi hello".split()
    ),
}


def _iceland_stem(word: str) -> str:
    for ending in _IS_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    if len(word) > 4 and word[-1] in "aiu":
        return word[:-1]
    return word


# A Snowball stemmer keeps the word it is working on in the object itself: one shared by the
# threads of a gunicorn gthread worker mixes up two requests' words (wrong stems, or an
# IndexError and a 500). Each thread gets its own.
_local = threading.local()


def _stemmer(locale: str):
    name = _STEMMERS.get(locale)
    if not name:
        return None
    stemmers = _local.__dict__.setdefault("stemmers", {})
    if name not in stemmers:
        stemmers[name] = snowballstemmer.stemmer(name)
    return stemmers[name]


def words(value: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(value or "")]


def stems(value: str, locale: str) -> list[str]:
    """The text's words as searched: stop words out, each stemmed."""
    stop = STOP_WORDS.get(locale, set())
    kept = [w for w in words(value) if w not in stop and (len(w) > 1 or w.isdigit())]
    stemmer = _stemmer(locale)
    if stemmer is not None:
        return stemmer.stemWords(kept)
    if locale == "is":
        return [_iceland_stem(w) for w in kept]
    return kept


def index_terms(title: str, body: str, locale: str) -> str:
    """What a text is found by: the title's stems count twice."""
    title_stems = stems(title, locale)
    return " ".join([*title_stems, *title_stems, *stems(body, locale)])


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance with transpositions, giving up above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _near(term: str, vocabulary: set[str]) -> list[str]:
    """Words of the articles one typo (two for long words) from ``term``, or that it begins."""
    if term in vocabulary or len(term) < 4:
        return [term]
    limit = 1 if len(term) < 8 else 2
    found = [w for w in vocabulary if _distance(term, w, limit) <= limit]
    if not found:
        # A misspelt long word: compare its stem-sized beginning too ("palatusohjeet").
        found = [w for w in vocabulary if len(w) >= 5 and _distance(term[: len(w)], w, 1) <= 1]
    return sorted(found)[:3] or [term]


@dataclass(frozen=True)
class Query:
    """The buyer's words as the database is asked: groups of alternatives, one group per word."""

    groups: list[list[str]]

    @property
    def empty(self) -> bool:
        return not self.groups

    def all_terms(self) -> list[str]:
        return sorted({term for group in self.groups for term in group})


def vocabulary(merchant_id: str, locale: str) -> set[str]:
    from sqlalchemy import select

    from portal.help.models import HelpArticleText

    rows = db.session.scalars(
        select(HelpArticleText.search_terms).where(
            HelpArticleText.merchant_id == merchant_id, HelpArticleText.locale == locale
        )
    )
    return {term for row in rows for term in row.split()}


def parse_query(question: str, merchant_id: str, locale: str) -> Query:
    vocab = vocabulary(merchant_id, locale)
    groups = []
    for term in dict.fromkeys(stems(question, locale)):  # each word once, in order
        group = _near(term, vocab)
        if len(term) >= 7:
            # Long (often compound or inflected) words: their beginning finds the relatives
            # ("palautuks" → "palaut…": palautus, palauttaa).
            group = [*group, term[: max(5, len(term) - 3)]]
        groups.append(group)
    return Query(groups[:12])


def _safe(term: str) -> str:
    return re.sub(r"[^\w]", "", term, flags=re.UNICODE)


def ranked_text_ids(merchant_id: str, locale: str, query: Query, limit: int = 10) -> list[str]:
    """The ids of the texts that match any of the words, best first."""
    terms = [t for t in (_safe(term) for term in query.all_terms()) if t]
    if not terms:
        return []
    if db.engine.dialect.name == "postgresql":
        tsquery = " | ".join(f"{t}:*" if len(t) >= 4 else t for t in terms)
        rows = db.session.execute(
            text(
                "SELECT id FROM help_article_texts "
                "WHERE merchant_id = :merchant AND locale = :locale "
                "AND to_tsvector('simple', search_terms) @@ to_tsquery('simple', :query) "
                "ORDER BY ts_rank(to_tsvector('simple', search_terms), to_tsquery('simple', :query)) DESC, id "
                "LIMIT :limit"
            ),
            {"merchant": merchant_id, "locale": locale, "query": tsquery, "limit": limit},
        )
        return [row[0] for row in rows]
    match = " OR ".join(f'"{t}"*' if len(t) >= 4 else f'"{t}"' for t in terms)
    rows = db.session.execute(
        text(
            "SELECT text_id FROM help_search WHERE help_search MATCH :match "
            "AND merchant_id = :merchant AND locale = :locale ORDER BY bm25(help_search), text_id LIMIT :limit"
        ),
        {"match": match, "merchant": merchant_id, "locale": locale, "limit": limit},
    )
    return [row[0] for row in rows]


def coverage(query: Query, search_terms: str) -> float:
    """The share of the buyer's words that the text holds (a stem, a prefix, or a near word)."""
    if query.empty:
        return 0.0
    terms = set(search_terms.split())
    found = 0
    for group in query.groups:
        if any(t in terms or (len(t) >= 4 and any(w.startswith(t) for w in terms)) for t in group):
            found += 1
    return found / len(query.groups)


def reindex(text_row) -> None:
    """Keep SQLite's FTS5 table in step with one text (PostgreSQL indexes the column itself)."""
    if db.engine.dialect.name == "postgresql":
        return
    db.session.execute(text("DELETE FROM help_search WHERE text_id = :id"), {"id": text_row.id})
    db.session.execute(
        text("INSERT INTO help_search (text_id, merchant_id, locale, terms) VALUES (:id, :merchant, :locale, :terms)"),
        {
            "id": text_row.id,
            "merchant": text_row.merchant_id,
            "locale": text_row.locale,
            "terms": text_row.search_terms,
        },
    )


def unindex(text_ids: list[str]) -> None:
    if db.engine.dialect.name == "postgresql" or not text_ids:
        return
    for text_id in text_ids:
        db.session.execute(text("DELETE FROM help_search WHERE text_id = :id"), {"id": text_id})
