"""Buyers' comments grouped into recurring themes, on this machine, in all six languages.

Two steps, both on the help centre's word handling (``portal.help.search``: lower-cased words,
Snowball stems per language, a suffix rule for Icelandic):

1. **Seed themes.** Each language has a small lexicon of words and short phrases per theme (late
   delivery, damaged parcel or packaging, wrong size, product quality or defect, wrong or missing
   item, customer service, refund speed, fast delivery). The lexicon is stemmed the same way as
   the comments, so one entry covers a word's inflections ("myöhässä", "myöhästyi"). A stem
   matches a comment's stem when equal, when it begins it (four letters or more), and in the
   compounding languages also when it sits inside it ("pakkaus" in "pahvipakkaus"); an entry
   written ``=word`` matches only that very word ("=vastasi": answered, whose stem "vas" is also
   that of "vasta": only). A phrase ("liian pieni", "too small") matches when its
   words stand within three words of each other. Words of speed alone ("kesti kaksi viikkoa",
   "kom snabbt") make a late or fast delivery only when the comment is about the delivery, not
   about the refund or an answer ("rahat tulivat nopeasti" is refund speed). A comment can belong
   to several themes. One that names none but only praises ("Kaikki hyvin!") is general praise.
2. **Shared words.** The rest are grouped per language by the stems they share, weighted like
   TF-IDF: a stem found in at least two of them, but in at most half of all the comments in that
   language, names a group; the stem that gathers the most comments (times its inverse document
   frequency) goes first, and each comment joins one group. Stop words and words that say little
   on their own ("order", "good", "very") are left out.

No network and no model: a few hundred comments take milliseconds.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from portal.help import search

WINDOW = 3  # the words of a phrase stand at most this far apart
MAX_WORD_GROUPS = 8

THEME_LABELS = {
    "late_delivery": _l("Late or slow delivery"),
    "damaged": _l("Damaged parcel or packaging"),
    "wrong_size": _l("Wrong size or fit"),
    "quality": _l("Product quality or defect"),
    "wrong_item": _l("Wrong or missing item"),
    "customer_service": _l("Customer service"),
    "refund_speed": _l("Refund speed"),
    "fast_delivery": _l("Fast delivery"),
    "praise": _l("General praise"),
}
PRAISE = "praise"

# fmt: off
# Per language and theme: words and phrases as buyers write them (stemmed when first used).
LEXICON: dict[str, dict[str, list[str]]] = {
    "fi": {
        "late_delivery": [
            "myöhässä", "myöhästyi", "myöhään", "viivästyi", "viive", "viivästys", "toimitusaika",
            "luvattua myöhemmin",
        ],
        "damaged": [
            "rikki", "rikkinäinen", "vaurio", "vaurioitunut", "kolhiintunut", "kolhu", "lommo", "lommoilla",
            "naarmu", "murskaantunut", "pakkaus", "pakkauksessa", "pakattu", "märkä", "kastunut", "ruttu",
        ],
        "wrong_size": [
            "=koko", "kokoa", "koon", "kokoinen", "kokotaulukko", "liian pieni", "liian pienet", "liian iso",
            "liian isot", "liian suuri", "liian tiukka", "liian löysä", "numeroa pienempi", "numeroa isompi",
            "istuvuus", "istui", "mitoitus", "sopinut",
        ],
        "quality": [
            "laatu", "laadukas", "viallinen", "=vika", "vikaa", "hajosi", "hajonnut", "lakkasi toimimasta",
            "ei =toimi", "rikkoutui", "halpa", "heikko", "repesi", "purkautui", "nukkaantui",
            "haalistui", "kulunut",
        ],
        "wrong_item": ["väärä", "väärän", "väärää", "puuttui", "puuttuu", "puuttuvat"],
        "customer_service": [
            "palvelu", "asiakaspalvelu", "vastaus", "=vastasi", "=vastannut", "vastausta", "vastattu", "avulias", "ystävällinen",
        ],
        "refund_speed": ["hyvitys", "hyvitetty", "hyvitettiin", "rahat", "rahojen", "rahani", "palautusraha"],
        "fast_delivery": [
            "nopea toimitus", "nopeasti perille", "nopea kuljetus", "nopeasti toimitettu", "salamannopea",
        ],
        PRAISE: ["hyvä", "hyvin", "loistava", "erinomainen", "täydellinen", "tyytyväinen", "kiitos", "super"],
    },
    "sv": {
        "late_delivery": ["försenad", "försening", "=sent", "för sent", "dröjsmål", "leveranstid"],
        "damaged": [
            "trasig", "trasigt", "skadad", "skadat", "skador", "krossad", "buckla", "bucklig", "söndrig",
            "förpackning", "förpackningen", "dåligt packad", "dåligt packat", "blöt",
        ],
        "wrong_size": [
            "storlek", "storleken", "för liten", "för litet", "för små", "för stor", "för stora", "för trång",
            "passade", "passform", "storleksguide",
        ],
        "quality": [
            "kvalitet", "defekt", "gick sönder", "slutade fungera", "fungerar inte", "funkar inte",
            "billig", "sprack", "noppriga", "blekt",
        ],
        "wrong_item": ["fel vara", "fel produkt", "fel färg", "fel modell", "saknades", "saknas", "fattades"],
        "customer_service": [
            "kundtjänst", "kundservice", "support", "svar", "svarade", "bemötande", "hjälpsam", "hjälpsamma",
            "personal",
        ],
        "refund_speed": ["återbetalning", "återbetald", "återbetalningen", "pengarna", "pengar tillbaka"],
        "fast_delivery": [
            "snabb leverans", "snabbt levererat", "blixtsnabb", "snabb frakt", "snabba leveranser",
        ],
        PRAISE: ["bra", "toppen", "perfekt", "utmärkt", "nöjd", "jättebra", "super", "fantastisk"],
    },
    "da": {
        "late_delivery": ["forsinket", "forsinkelse", "=sent", "for sent", "leveringstid"],
        "damaged": [
            "beskadiget", "ødelagt", "i stykker", "knust", "bulet", "dårligt pakket", "emballage", "emballagen",
            "våd",
        ],
        "wrong_size": [
            "størrelse", "størrelsen", "for lille", "for små", "for stor", "for store", "pasform", "passede",
            "passer ikke",
        ],
        "quality": [
            "kvalitet", "defekt", "fejl på", "gik i stykker", "virker ikke", "holdt op med at virke", "billig",
            "revnede", "falmet",
        ],
        "wrong_item": ["forkert vare", "forkert farve", "forkert produkt", "manglede", "mangler"],
        "customer_service": ["kundeservice", "kundeservicen", "support", "svar", "svarede", "hjælpsom", "personale"],
        "refund_speed": ["tilbagebetaling", "refundering", "refunderet", "pengene", "pengene tilbage"],
        "fast_delivery": ["hurtig levering", "lynhurtig", "hurtig forsendelse"],
        PRAISE: ["god", "godt", "super", "perfekt", "fremragende", "tilfreds", "fint"],
    },
    "nb": {
        "late_delivery": ["forsinket", "forsinkelse", "=sent", "for sent", "leveringstid"],
        "damaged": [
            "skadet", "ødelagt", "i stykker", "knust", "bulket", "dårlig pakket", "emballasje", "emballasjen", "våt",
        ],
        "wrong_size": [
            "størrelse", "størrelsen", "for liten", "for lite", "for små", "for stor", "for store", "passform",
            "passet", "passer ikke",
        ],
        "quality": [
            "kvalitet", "defekt", "gikk i stykker", "virker ikke", "sluttet å virke", "billig", "sprakk",
            "falmet",
        ],
        "wrong_item": ["feil vare", "feil farge", "feil produkt", "manglet", "mangler"],
        "customer_service": ["kundeservice", "kundeservicen", "kundestøtte", "support", "svar", "svarte", "hjelpsom"],
        "refund_speed": ["refusjon", "tilbakebetaling", "refundert", "pengene", "pengene tilbake"],
        "fast_delivery": ["rask levering", "lynrask", "rask frakt", "rask forsendelse"],
        PRAISE: ["bra", "god", "supert", "perfekt", "fornøyd", "utmerket", "strålende"],
    },
    "is": {
        "late_delivery": ["seint", "seinkun", "tafir", "töf", "afhendingartími"],
        "damaged": ["skemmd", "skemmdur", "skemmdist", "brotinn", "brotið", "beyglaður", "umbúðir", "illa pakkað"],
        "wrong_size": ["stærð", "stærðin", "of lítil", "of lítið", "of stór", "of stórt", "passaði ekki", "snið"],
        "quality": ["gæði", "galli", "gallaður", "bilaður", "bilaði", "virkar ekki", "ódýr", "rifnaði"],
        "wrong_item": ["röng vara", "rangur litur", "vantaði", "vantar"],
        "customer_service": ["þjónusta", "þjónustuver", "svar", "svöruðu", "hjálpleg", "hjálplegur", "starfsfólk"],
        "refund_speed": ["endurgreiðsla", "endurgreitt", "endurgreiðslu", "peningana"],
        "fast_delivery": ["hröð afhending", "fljót afhending"],
        PRAISE: ["frábært", "gott", "fullkomið", "ánægð", "ánægður", "frábær"],
    },
    "en": {
        "late_delivery": ["=late", "delayed", "delay", "delivery time", "lost in the post"],
        "damaged": [
            "damaged", "broken", "crushed", "dented", "smashed", "torn box", "packaging", "badly packed",
            "poorly packed", "wet", "scratched",
        ],
        "wrong_size": [
            "size", "sizing", "too small", "too big", "too large", "too tight", "too loose", "=fit", "fits",
            "runs small", "runs large", "size chart",
        ],
        "quality": [
            "quality", "defect", "defective", "faulty", "stopped working", "doesn t work", "does not work",
            "not working", "cheap", "flimsy", "fell apart", "came apart", "broke after", "seam", "faded", "pilling",
        ],
        "wrong_item": ["wrong item", "wrong colour", "wrong color", "wrong product", "wrong model", "missing"],
        "customer_service": [
            "customer service", "service", "support", "reply", "replied", "answer", "answered", "helpful", "staff",
        ],
        "refund_speed": ["refund", "refunded", "money back", "reimbursed"],
        "fast_delivery": [
            "fast delivery", "quick delivery", "fast shipping", "quick shipping", "speedy delivery", "next day",
        ],
        PRAISE: ["great", "excellent", "perfect", "good", "love", "happy", "satisfied", "amazing", "awesome"],
    },
}

# Slowness or speed in general ("it took two weeks", "came quickly"): late or fast delivery only
# when the comment speaks of the delivery ("the parcel took two weeks"), or of something arriving
# while it names neither the refund nor an answer ("the money came quickly" is about the refund).
SLOWNESS = {
    "fi": ["hidas", "hitaasti", "kesti", "kauan", "odotin", "odottaa", "odotella", "viikon", "viikkoa", "päivää"],
    "sv": ["långsam", "långsamt", "dröjde", "tog lång tid", "väntade", "vecka", "veckor", "dagar"],
    "da": ["langsom", "langsomt", "ventede", "tog lang tid", "uge", "uger", "dage"],
    "nb": ["treg", "tregt", "ventet", "tok lang tid", "uke", "uker", "dager"],
    "is": ["hæg", "hægt", "beið", "vika", "vikur", "daga"],
    "en": ["slow", "slowly", "took ages", "took forever", "took", "waited", "waiting", "week", "weeks", "days"],
}
QUICKNESS = {
    "fi": ["nopea", "nopeasti", "pian", "salamana"],
    "sv": ["snabb", "snabbt", "fort", "kvickt"],
    "da": ["hurtig", "hurtigt"],
    "nb": ["rask", "raskt", "kjapt"],
    "is": ["fljótt", "hratt", "fljót"],
    "en": ["fast", "quick", "quickly", "speedy", "early", "promptly"],
}
ARRIVAL = {
    "fi": ["=tuli", "=tulivat", "saapui", "saapuivat"],
    "sv": ["=kom", "anlände"],
    "da": ["=kom", "ankom"],
    "nb": ["=kom", "ankom"],
    "is": ["=kom", "barst"],
    "en": ["arrived", "came"],
}
DELIVERY_WORDS = {
    "fi": ["toimitus", "toimitettiin", "paketti", "lähetys", "kuljetus", "=posti", "kuriiri", "perille"],
    "sv": ["leverans", "levererades", "paket", "paketet", "frakt", "posten", "försändelse", "bud"],
    "da": ["levering", "leveret", "pakke", "pakken", "fragt", "forsendelse", "posten"],
    "nb": ["levering", "levert", "pakke", "pakken", "frakt", "forsendelse", "posten"],
    "is": ["afhending", "pakki", "pakkinn", "sending", "póstur"],
    "en": ["delivery", "delivered", "parcel", "package", "shipping", "shipment", "courier", "=post"],
}

# fmt: on

# Words a seed never matches, though their stem looks like one ("kokonaan": wholly, not "koko": size).
NOT_SEEDS = {
    "fi": {"kokonaan", "kokonainen", "kokonaisuudessaan", "kokonaisuus"},
}

# Words that name no theme in the shared-word step, beside the help centre's stop words.
FILLER = {
    "fi": set(
        "hyvä hyvin kiitos todella erittäin tosi oli olla ollut tuli kaikki meni vähän aika paljon ihan aivan tilaus "
        "tilasin tilauksen tuote tuotteet tuotteen kyllä sitten vain vaan kuitenkin jälkeen saatiin sain".split()
    ),
    "sv": set(
        "bra mycket väldigt riktigt allt gick kom fick jättebra beställning beställde produkt produkten varan "
        "sedan bara efter".split()
    ),
    "da": set("god godt meget rigtig alt gik kom fik bestilling bestilte produkt produktet varen bare efter".split()),
    "nb": set("bra god veldig mye alt gikk kom fikk bestilling bestilte produkt produktet varen bare etter".split()),
    "is": set("gott mjög allt kom fékk pöntun pantaði vara varan bara eftir".split()),
    "en": set(
        "good great very really everything all went got get order ordered product item thanks thank just "
        "after one would also".split()
    ),
}
COMPOUNDING = {"fi", "sv", "da", "nb", "is"}


@functools.lru_cache(maxsize=65536)
def _stem(word: str, locale: str) -> str:
    """One word's stem (cached: a shop's comments use the same words again and again)."""
    stemmer = search._stemmer(locale)
    if stemmer is not None:
        return stemmer.stemWord(word)
    if locale == "is":
        return search._iceland_stem(word)
    return word


@dataclass(frozen=True)
class _Token:
    word: str
    stem: str


def tokens(text: str, locale: str) -> list[_Token]:
    """The comment's words with their stems, stop words kept (phrases like "ei toimi" need them)."""
    return [_Token(word, _stem(word, locale)) for word in search.words(text)]


@dataclass(frozen=True)
class _Lexicon:
    """One language's entries, each word of them a numbered part: a token is looked up once for
    the parts it matches, then every theme is a set test (and a distance test for phrases)."""

    parts: tuple[tuple[str, bool], ...]  # (stem, or the word itself when exact)
    entries: dict[str, list[tuple[int, ...]]]  # theme (or SLOWNESS … list) → its entries' part numbers


_LISTS = {"slowness": SLOWNESS, "quickness": QUICKNESS, "arrival": ARRIVAL, "delivery": DELIVERY_WORDS}


@functools.cache
def _lexicon(locale: str) -> _Lexicon:
    parts: dict[tuple[str, bool], int] = {}
    entries: dict[str, list[tuple[int, ...]]] = {}
    named = {**LEXICON.get(locale, {}), **{key: lists.get(locale, []) for key, lists in _LISTS.items()}}
    for theme, phrases in named.items():
        for phrase in phrases:
            numbers = []
            for word in phrase.lower().split():
                part = (word[1:], True) if word.startswith("=") else (_stem(word, locale), False)
                numbers.append(parts.setdefault(part, len(parts)))
            entries.setdefault(theme, []).append(tuple(numbers))
    return _Lexicon(tuple(parts), entries)


@functools.lru_cache(maxsize=65536)
def _hits(word: str, locale: str) -> frozenset[int]:
    """The lexicon parts a word matches: its stem equal to the part's, or beginning with it (four
    letters or more), or in a compounding language holding it (five or more); an exact part only
    the very word. Words in NOT_SEEDS match nothing."""
    if word in NOT_SEEDS.get(locale, ()):
        return frozenset()
    stem = _stem(word, locale)
    compounding = locale in COMPOUNDING
    found = set()
    for number, (part, exact) in enumerate(_lexicon(locale).parts):
        if exact:
            matched = word == part
        else:
            matched = (
                stem == part
                or (len(part) >= 4 and stem.startswith(part))
                or (compounding and len(part) >= 5 and part in stem)
            )
        if matched:
            found.add(number)
    return frozenset(found)


def _named(entry: tuple[int, ...], hits: list[frozenset[int]], anywhere: set[int]) -> bool:
    """Whether the comment holds the entry: its one part anywhere, or all its parts within WINDOW."""
    if not all(part in anywhere for part in entry):
        return False
    if len(entry) == 1:
        return True
    places = [[i for i, found in enumerate(hits) if part in found] for part in entry]
    return any(all(any(j != i and abs(j - i) <= WINDOW for j in other) for other in places[1:]) for i in places[0])


def _seed_themes(found: list[_Token], locale: str) -> list[str]:
    lexicon = _lexicon(locale)
    hits = [_hits(token.word, locale) for token in found]
    anywhere = set().union(*hits)

    def names(theme: str) -> bool:
        return any(_named(entry, hits, anywhere) for entry in lexicon.entries.get(theme, ()))

    named = [theme for theme in THEME_LABELS if theme != PRAISE and names(theme)]
    about_delivery = names("delivery") or (
        names("arrival") and "refund_speed" not in named and "customer_service" not in named
    )
    if about_delivery and not {"late_delivery", "fast_delivery"} & set(named):
        if names("slowness"):
            named.append("late_delivery")
        elif names("quickness"):
            named.append("fast_delivery")
        named.sort(key=list(THEME_LABELS).index)
    if not named and names(PRAISE):
        named = [PRAISE]
    return named


def seed_themes(text: str, locale: str) -> list[str]:
    """The lexicon's themes the comment names, in THEME_LABELS order ("praise" only when alone)."""
    return _seed_themes(tokens(text, locale), locale)


def _salient(found: list[_Token], locale: str) -> tuple[set[str], dict[str, str]]:
    """The stems that can name a group, and the word each came from."""
    stop = search.STOP_WORDS.get(locale, set()) | FILLER.get(locale, set())
    kept = [t for t in found if t.word not in stop and len(t.word) >= 3 and not t.word.isdigit()]
    return {t.stem for t in kept}, {t.stem: t.word for t in kept}


@dataclass
class Theme:
    key: str  # a lexicon theme, or "words:<language>:<stem>"
    label: str
    members: list[int] = field(default_factory=list)  # positions in the comments given
    words: tuple[str, ...] = ()  # a shared-word group's words, as written


@dataclass
class Grouping:
    themes: list[Theme]  # the most comments first
    ungrouped: list[int]


def group(comments: list[tuple[str, str]]) -> Grouping:
    """Group ``(text, locale)`` comments into themes (see the module's docstring)."""
    themes: dict[str, Theme] = {}
    rest: list[int] = []
    found = [tokens(text, locale) for text, locale in comments]
    for index, (_text, locale) in enumerate(comments):
        named = _seed_themes(found[index], locale)
        for key in named:
            themes.setdefault(key, Theme(key, str(THEME_LABELS[key]))).members.append(index)
        if not named:
            rest.append(index)
    word_groups, ungrouped = _shared_words(comments, found, rest)
    ordered = sorted(themes.values(), key=lambda t: (-len(t.members), list(THEME_LABELS).index(t.key)))
    return Grouping(ordered + word_groups, ungrouped)


def _shared_words(
    comments: list[tuple[str, str]], found: list[list[_Token]], rest: list[int]
) -> tuple[list[Theme], list[int]]:
    groups: list[Theme] = []
    covered: set[int] = set()
    for locale in sorted({comments[i][1] for i in rest}):
        language = [i for i, (_text, lang) in enumerate(comments) if lang == locale]
        salient = {i: _salient(found[i], locale) for i in language}
        df = Counter(stem for i in language for stem in salient[i][0])
        total = len(language)
        limit = max(2, total // 2)  # a stem in more of the language's comments than this says nothing
        candidates = [i for i in rest if comments[i][1] == locale]
        while len(groups) < MAX_WORD_GROUPS:
            open_ = [i for i in candidates if i not in covered]
            reach = Counter(stem for i in open_ for stem in salient[i][0])
            best = None
            for stem, count in reach.items():
                if count < 2 or df[stem] > limit:
                    continue
                weight = count * (math.log((1 + total) / (1 + df[stem])) + 1)
                rank = (weight, count, len(stem), stem)
                if best is None or rank > best[0]:
                    best = (rank, stem)
            if best is None:
                break
            stem = best[1]
            members = [i for i in open_ if stem in salient[i][0]]
            words = [Counter(salient[i][1][stem] for i in members).most_common(1)[0][0]]
            # A second word every member shares, the rarest first, makes the label clearer.
            shared = {s for s in set.intersection(*(salient[i][0] for i in members)) - {stem} if df[s] <= limit}
            if shared:
                second = min(shared, key=lambda s: (df[s], s))
                words.append(Counter(salient[i][1][second] for i in members).most_common(1)[0][0])
            groups.append(
                Theme(
                    f"words:{locale}:{stem}",
                    str(_l("Comments mentioning “%(words)s”", words=", ".join(words))),
                    members,
                    tuple(words),
                )
            )
            covered.update(members)
    return groups, [i for i in rest if i not in covered]
