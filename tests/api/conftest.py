"""API fixtures: merchant API keys, request helpers, and a Finnish catalogue for language tests."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from portal.actors import Actor
from portal.extensions import babel


@pytest.fixture
def make_api_key(app):
    """``make_api_key(merchant)`` -> the secret, as the shop would paste it into its backend."""
    from portal.merchants.services import create_api_key

    def make(merchant, name: str = "Shop backend") -> str:
        _key, secret = create_api_key(merchant, name=name, actor=Actor.system("tests"))
        return secret

    return make


def bearer(secret: str, **headers: str) -> dict:
    return {"Authorization": f"Bearer {secret}", **headers}


@pytest.fixture
def shop(make_merchant, make_api_key) -> SimpleNamespace:
    """A shop with one API key: ``shop.merchant``, ``shop.key`` (the secret), ``shop.headers``."""
    merchant = make_merchant("kodinkone", name="Kodinkone Oy")
    key = make_api_key(merchant)
    return SimpleNamespace(merchant=merchant, key=key, headers=bearer(key))


# Finnish for the messages the language tests read. The project's own catalogues are written
# later; this one makes the tests independent of them while proving the API renders its
# messages in the language of Accept-Language.
FINNISH = {
    "Some fields need your attention.": "Tarkista merkityt kentät.",
    "Is too small.": "On liian pieni.",
    "Cannot be more than the order total.": "Ei voi olla enempää kuin tilauksen summa.",
    "Returns are not available in this portal yet.": "Palautukset eivät ole vielä käytössä tässä palvelussa.",
}


@pytest.fixture
def finnish(app, tmp_path):
    """Adds a Finnish catalogue of FINNISH to the app's translations for one test."""
    catalog = Catalog(locale="fi")
    for english, finnish in FINNISH.items():
        catalog.add(english, finnish)
    directory = tmp_path / "translations"
    (directory / "fi" / "LC_MESSAGES").mkdir(parents=True)
    with (directory / "fi" / "LC_MESSAGES" / "messages.mo").open("wb") as mo_file:
        write_mo(mo_file, catalog)
    directories = app.extensions["babel"].translation_directories
    directories.append(str(directory))
    # Flask-Babel caches loaded catalogues per locale across apps: drop them before and after.
    babel.domain_instance.cache.clear()
    yield FINNISH
    directories.remove(str(directory))
    babel.domain_instance.cache.clear()
