"""Comments as buyers write them, in Finnish, Swedish and English, grouped into the themes a shop
recognises — and the words that look like a theme but are not one."""

from __future__ import annotations

import pytest

from portal.feedback import themes

# (comment, language, the themes it belongs to)
COMMENTS = [
    ("Paketti tuli kolme päivää myöhässä, vaikka toimitus luvattiin tiistaiksi.", "fi", {"late_delivery"}),
    ("Toimitus kesti yli kaksi viikkoa, ei hyvä.", "fi", {"late_delivery"}),
    ("Pahvilaatikko oli ihan ruttu ja kannessa oli iso lommo.", "fi", {"damaged"}),
    ("Kengät olivat liian pienet, tilaan ensi kerralla numeroa isomman.", "fi", {"wrong_size"}),
    ("Takki hajosi ensimmäisessä pesussa, sauma purkautui.", "fi", {"quality"}),
    ("Asiakaspalvelu vastasi nopeasti ja ystävällisesti, kiitos!", "fi", {"customer_service"}),
    ("Rahat palautuksesta tulivat tililleni vasta kolmen viikon päästä.", "fi", {"refund_speed"}),
    ("Sain väärän värin, tilasin sinisen mutta tuli punainen.", "fi", {"wrong_item"}),
    ("Noutopiste oli suljettu kun menin hakemaan pakettia.", "fi", {"words:fi:noutopist"}),
    ("Noutopiste vaihtui kauemmas ilman ilmoitusta.", "fi", {"words:fi:noutopist"}),
    ("Kaikki meni hyvin, kiitos!", "fi", {"praise"}),
    ("Nopea toimitus ja hyvä tuote.", "fi", {"fast_delivery"}),
    ("Paketet kom en vecka försenat och ingen hörde av sig.", "sv", {"late_delivery"}),
    ("Leveransen dröjde nästan tre veckor.", "sv", {"late_delivery"}),
    ("Kartongen var trasig och skon hade en skada.", "sv", {"damaged"}),
    ("Byxorna var för små, storleksguiden stämmer inte.", "sv", {"wrong_size"}),
    ("Dålig kvalitet, tröjan blev noppig efter en tvätt.", "sv", {"quality"}),
    ("Kundtjänsten svarade aldrig på mitt mejl.", "sv", {"customer_service"}),
    ("Återbetalningen tog över en månad, alldeles för långsamt.", "sv", {"refund_speed"}),
    ("Snabb leverans, kom dagen efter beställningen!", "sv", {"fast_delivery"}),
    ("Fick fel färg på jackan.", "sv", {"wrong_item"}),
    ("Jättebra, tack!", "sv", {"praise"}),
    ("The parcel arrived four days late.", "en", {"late_delivery"}),
    ("Box was crushed and the lamp inside was broken.", "en", {"damaged"}),
    ("The shoes run small, had to return them for a bigger size.", "en", {"wrong_size"}),
    ("Zipper broke after two weeks of use, poor quality.", "en", {"quality"}),
    ("Customer service was really helpful and replied within an hour.", "en", {"customer_service"}),
    ("Still waiting for my refund after three weeks.", "en", {"refund_speed"}),
    ("The tracking link never updated, so I had no idea where my order was.", "en", {"words:en:track"}),
    ("Tracking information was confusing and showed the wrong city.", "en", {"words:en:track"}),
]


def test_thirty_comments_in_three_languages_land_in_the_expected_themes(app):
    with app.test_request_context():
        grouping = themes.group([(text, locale) for text, locale, _expected in COMMENTS])
    found = {theme.key: sorted(COMMENTS[i][0] for i in theme.members) for theme in grouping.themes}
    expected: dict[str, list[str]] = {}
    for text, _locale, keys in COMMENTS:
        for key in keys:
            expected.setdefault(key, []).append(text)
    assert found == {key: sorted(texts) for key, texts in expected.items()}
    assert grouping.ungrouped == []
    labels = {theme.key: theme.label for theme in grouping.themes}
    assert labels["late_delivery"] == "Late or slow delivery"
    assert labels["words:fi:noutopist"] == "Comments mentioning “noutopiste”"
    assert labels["words:en:track"] == "Comments mentioning “tracking”"
    # The most comments first: late delivery (two in each language) heads the list.
    assert [t.key for t in grouping.themes][:1] == ["late_delivery"]


@pytest.mark.parametrize(
    ("comment", "locale", "expected"),
    [
        # "kokonaan" (wholly) is not "koko" (size); "vasta" (only) is not "vastasi" (answered).
        ("Lamppu oli kokonaan rikki kun avasin laatikon.", "fi", ["damaged"]),
        ("Hyvitys tuli vasta kuukauden päästä.", "fi", ["refund_speed"]),
        # Slowness about the refund or an answer is not a late delivery; about the parcel it is.
        ("Odotin vastausta asiakaspalvelusta viikon.", "fi", ["customer_service"]),
        ("Odotin pakettia yli viikon.", "fi", ["late_delivery"]),
        # "Fast" about the answer or the money is not fast delivery; about what arrived it is.
        ("Snabbt svar från kundtjänst.", "sv", ["customer_service"]),
        ("Rahat tulivat nopeasti takaisin.", "fi", ["refund_speed"]),
        ("Refund arrived after three weeks.", "en", ["refund_speed"]),
        ("Tuli nopeasti!", "fi", ["fast_delivery"]),
        ("Kom snabbt, tack!", "sv", ["fast_delivery"]),
        # Several themes in one comment.
        (
            "Nopea toimitus, mutta kengät olivat liian pienet ja laatu heikko.",
            "fi",
            ["wrong_size", "quality", "fast_delivery"],
        ),
        ("Delivery was late and the box was damaged.", "en", ["late_delivery", "damaged"]),
        # Danish, Norwegian and Icelandic have their lexicons too.
        ("Pakken kom for sent og emballagen var i stykker.", "da", ["late_delivery", "damaged"]),
        ("Jakken var for liten, og kundeservice svarte aldri.", "nb", ["wrong_size", "customer_service"]),
        ("Varan kom seint og umbúðir voru skemmdar.", "is", ["late_delivery", "damaged"]),
        # Only praise: general praise; praise beside a theme: only the theme.
        ("Super, kiitos!", "fi", ["praise"]),
        ("Great shoes, but they were too small.", "en", ["wrong_size"]),
    ],
)
def test_a_comment_is_put_under_the_themes_it_names(app, comment, locale, expected):
    assert themes.seed_themes(comment, locale) == sorted(expected, key=list(themes.THEME_LABELS).index)


def test_a_shared_word_groups_the_rest_unless_one_comment_or_most_of_them_have_it(app):
    comments = [
        ("Kuljettaja soitti etukäteen, paketti ovella.", "fi"),
        ("Kuljettaja oli kohtelias, paketti ehjä.", "fi"),
        ("Sovellus kaatui, paketti jäi tilaamatta.", "fi"),
        ("Paketti tuli naapurille.", "fi"),
        ("Paketti ja lasku erikseen.", "fi"),
        ("Kassalla kysyttiin henkilötunnusta.", "fi"),
    ]
    with app.test_request_context():
        grouping = themes.group(comments)
    # "paketti" is in five of six comments: it says nothing. "kuljettaja" is in two: a group.
    assert [(t.key, t.members, t.words) for t in grouping.themes] == [
        ("words:fi:kuljettaj", [0, 1], ("kuljettaja",)),
    ]
    assert grouping.ungrouped == [2, 3, 4, 5]
