"""Questions as buyers type them into the help centre's search, with the article that answers each.

Six per language, written the way people search on a phone: lower case, colloquial, inflected
differently from the article's wording, one or more with a typo. Each is answered by the words (or
their stems, inflections or close typos) of one article in ``portal.help.defaults``, and that
article is clearly the best match.
"""

QUESTIONS: list[tuple[str, str, str]] = [
    # Finnish
    ("fi", "missä mun paketti kulkee", "where-is-my-parcel"),
    ("fi", "paketti ei oo vieläkään tullut", "late-parcel"),
    ("fi", "milloin saan rahani takaisin", "refund-timing"),
    ("fi", "tuote tuli rikkinäisenä", "damaged-in-delivery"),
    ("fi", "miten teen palatuksen", "how-to-return"),
    ("fi", "voiko tilauksen maksaa osamaksulla", "instalments"),
    # Swedish
    ("sv", "hur spårar jag paketet", "where-is-my-parcel"),
    ("sv", "paketet har fortfarande inte kommit", "late-parcel"),
    ("sv", "när får jag tillbaka pengarna", "refund-timing"),
    ("sv", "hur retunerar jag en vara", "how-to-return"),
    ("sv", "byta till större storlek", "exchange-size-or-colour"),
    ("sv", "Varan kom trasig", "damaged-in-delivery"),
    # Danish
    ("da", "hvor finder jeg mit track and trace nummer", "where-is-my-parcel"),
    ("da", "pakken er forsinkt", "late-parcel"),
    ("da", "hvornår får jeg mine penge tilbage", "refund-timing"),
    ("da", "kan jeg bytte til en større størrelse", "exchange-size-or-colour"),
    ("da", "kan man betale i rater", "instalments"),
    ("da", "varen var i stykker da jeg åbnede pakken", "damaged-in-delivery"),
    # Norwegian Bokmål
    ("nb", "hvor finner jeg sporingsnummeret", "where-is-my-parcel"),
    ("nb", "pakka har ikke kommet", "late-parcel"),
    ("nb", "når får jeg refusjon", "refund-timing"),
    ("nb", "hvordan retunere varen", "how-to-return"),
    ("nb", "betale i avdrag", "instalments"),
    ("nb", "kan jeg avbestille ordren", "cancel-order"),
    # Icelandic
    ("is", "hvar finn ég rakningarnúmer", "where-is-my-parcel"),
    ("is", "pakkinn minn er ekki enn kominn", "late-parcel"),
    ("is", "hvenær fæ ég endurgreitt", "refund-timing"),
    ("is", "raðgreislur", "instalments"),
    ("is", "varan kom brotin", "damaged-in-delivery"),
    ("is", "get ég skipt í aðra stærð", "exchange-size-or-colour"),
    # English
    ("en", "where's my package", "where-is-my-parcel"),
    ("en", "parcel still hasnt arrived", "late-parcel"),
    ("en", "when will i get my refund", "refund-timing"),
    ("en", "retrun label", "how-to-return"),
    ("en", "can i pay in installments", "instalments"),
    ("en", "Item arrived damaged", "damaged-in-delivery"),
]
