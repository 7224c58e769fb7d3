"""The console's branding page: a shop's admin sets the logo, colour, name, contact details and
legal links through the real form (CSRF on, a multipart upload), sees why a colour or a file is
refused, and removes the logo. Agents have no access; the console itself keeps Apuri's look."""

from __future__ import annotations

import io
from html import unescape

import pytest
from PIL import Image
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.extensions import db
from tests.conftest import csrf_from

URL = "/console/branding"
TERMS_URL = "https://kodinkone.example/ehdot"
PRIVACY_URL = "https://kodinkone.example/tietosuoja"


def page(client, url: str = URL, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return unescape(response.get_data(as_text=True))


def jpeg(size=(300, 90)) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    Image.new("RGB", size, (29, 107, 53)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def form(**overrides) -> dict:
    fields = {
        "name": "Kodinkone Oy",
        "brand_colour": "#1D6B35",
        "support_email": "apu@kodinkone.example",
        "support_phone": "+358 9 123 4567",
        "terms_url": TERMS_URL,
        "privacy_url": PRIVACY_URL,
    }
    fields.update(overrides)
    return fields


def save(client, *, logo: tuple[bytes, str] | None = None, url: str = URL, **overrides):
    data = {"csrf_token": csrf_from(page(client, url)), **form(**overrides)}
    if logo is not None:
        data["logo"] = (io.BytesIO(logo[0]), logo[1])
    return client.post(url, data=data, content_type="multipart/form-data")


def audit_entries() -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "branding.updated")))


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def uploads(app, tmp_path):
    root = tmp_path / "uploads"
    app.config["UPLOAD_ROOT"] = str(root)
    return root


@pytest.fixture
def admin_a(make_user, shop_a):
    return make_user(email="admin@kodinkone.fi", role="merchant_admin", merchant=shop_a)


def test_an_admin_sets_the_branding_and_buyers_see_it(client, sign_in, admin_a, shop_a, uploads):
    sign_in(admin_a.email)
    html = page(client)
    assert "Branding of Kodinkone Oy" in html and 'enctype="multipart/form-data"' in html
    assert "No logo yet: buyers see the shop's name." in html

    response = save(client, logo=(jpeg(), "logo.jpg"))

    assert response.status_code == 302 and response.headers["Location"].endswith(URL)
    html = page(client)
    assert "Branding saved. Buyers see it from now on." in html
    db.session.refresh(shop_a)
    assert shop_a.brand_colour == "#1d6b35" and shop_a.support_phone == "+358 9 123 4567"
    assert shop_a.terms_url == TERMS_URL and shop_a.privacy_url == PRIVACY_URL
    assert shop_a.logo_key and len(stored_files(uploads)) == 2
    assert f'src="/s/kodinkone/logo?v={shop_a.version}"' in html and "Remove the logo" in html
    assert "Now #1D6B35: contrast with white text 6.54:1." in html
    # The console wears Apuri's colours, not the shop's.
    assert "brand.css" not in html and 'class="brand-logo"' not in html

    buyer_page = page(client, "/s/kodinkone/")
    assert f"/s/kodinkone/brand.css?v={shop_a.version}" in buyer_page
    assert '<img class="brand-logo"' in buyer_page and 'alt="Kodinkone Oy"' in buyer_page


def test_the_change_is_audited_with_who_and_what(client, sign_in, admin_a, shop_a, uploads):
    sign_in(admin_a.email)

    save(
        client,
        name="Kodinkone",
        terms_url=TERMS_URL,
        privacy_url="",
        brand_colour="",
        support_email=shop_a.support_email,
        support_phone="",
    )

    [entry] = audit_entries()
    assert entry.actor_id == admin_a.id and entry.merchant_id == shop_a.id
    assert entry.before == {"name": "Kodinkone Oy", "terms_url": None}
    assert entry.after == {"name": "Kodinkone", "terms_url": TERMS_URL}


def test_a_colour_too_light_for_white_text_is_refused_with_its_ratio(client, sign_in, admin_a, shop_a, uploads):
    sign_in(admin_a.email)

    response = save(client, brand_colour="#FFFF00", name="Uusi nimi", logo=(jpeg(), "logo.jpg"))

    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    assert "Nothing was saved: check the fields marked below." in html
    assert "the contrast is 1.07:1, and at least 4.5:1 is needed (WCAG AA)" in html
    assert 'value="#FFFF00"' in html and 'value="Uusi nimi"' in html  # what was typed stays
    db.session.refresh(shop_a)
    assert shop_a.brand_colour is None and shop_a.name == "Kodinkone Oy" and shop_a.version == 1
    assert stored_files(uploads) == [] and audit_entries() == []


def test_in_finnish_the_ratio_is_written_the_finnish_way(client, sign_in, admin_a, shop_a, uploads):
    sign_in(admin_a.email)
    data = {"csrf_token": csrf_from(page(client)), **form(brand_colour="#777777")}

    response = client.post(URL + "?lang=fi", data=data)

    assert response.status_code == 422
    assert "4,47:1" in unescape(response.get_data(as_text=True))


def test_a_text_file_named_png_is_refused_by_name(client, sign_in, admin_a, shop_a, uploads):
    sign_in(admin_a.email)

    response = save(client, logo=(b"these are my notes\n", "notes.png"))

    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    assert "notes.png: This file is not a picture we can read. Send a PNG, JPEG or WebP image." in html
    assert 'aria-invalid="true"' in html
    db.session.refresh(shop_a)
    assert shop_a.logo_key is None and shop_a.brand_colour is None
    assert stored_files(uploads) == []


def test_the_remove_button_takes_the_logo_away(client, sign_in, admin_a, shop_a, uploads):
    sign_in(admin_a.email)
    save(client, logo=(jpeg(), "logo.jpg"))
    html = page(client)
    assert 'form="remove-logo"' in html

    response = client.post(URL + "/logo/remove", data={"csrf_token": csrf_from(html)})

    assert response.status_code == 302
    assert "Logo removed: buyers see the shop's name instead." in page(client)
    db.session.refresh(shop_a)
    assert shop_a.logo_key is None and stored_files(uploads) == []
    assert audit_entries()[-1].after == {"logo": None}
    assert client.get("/s/kodinkone/logo").status_code == 404


def test_agents_get_403_and_change_nothing(client, sign_in, agent_a, admin_a, shop_a, uploads):
    sign_in(admin_a.email)
    token = csrf_from(page(client))
    client.post("/staff/logout", data={"csrf_token": token})
    sign_in(agent_a.email)
    token = csrf_from(page(client, "/console/orders"))

    assert client.get(URL).status_code == 403
    response = client.post(URL, data={"csrf_token": token, **form()})
    assert response.status_code == 403
    assert client.post(URL + "/logo/remove", data={"csrf_token": token}).status_code == 403
    db.session.refresh(shop_a)
    assert shop_a.brand_colour is None and shop_a.version == 1 and audit_entries() == []


def test_an_admin_changes_only_their_own_shop(client, sign_in, admin_a, shop_a, shop_b, uploads):
    sign_in(admin_a.email)

    save(client, url=URL + "?shop=pyorapaja", name="Kodinkone Oy")

    db.session.refresh(shop_a)
    db.session.refresh(shop_b)
    assert shop_a.brand_colour == "#1d6b35"
    assert shop_b.brand_colour is None and shop_b.version == 1


def test_a_platform_admin_chooses_the_shop_first(client, sign_in, platform_admin, shop_a, shop_b, uploads):
    sign_in(platform_admin.email)
    assert "Branding of" not in page(client)

    response = save(client, url=URL + "?shop=pyorapaja", name="Pyöräpaja")

    assert response.status_code == 302 and response.headers["Location"].endswith(URL + "?shop=pyorapaja")
    db.session.refresh(shop_b)
    assert shop_b.brand_colour == "#1d6b35"


def test_a_full_disk_keeps_the_old_branding_and_says_try_again(client, sign_in, admin_a, shop_a, uploads, monkeypatch):
    """Drill: the disk fills up half-way through the logo's thumbnail (ENOSPC). The admin is told
    to try again; the shop keeps its old branding and no file, whole or half, stays behind."""
    import errno

    from portal import storage as storage_module

    sign_in(admin_a.email)
    real = storage_module._write
    writes: list[int] = []

    def write(file, data: bytes) -> None:
        if writes:  # room for the logo, not for its thumbnail
            file.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        writes.append(len(data))
        real(file, data)

    monkeypatch.setattr(storage_module, "_write", write)
    response = save(client, logo=(jpeg(), "logo.jpg"), brand_colour="#0B4F8A")

    assert response.status_code == 503
    html = unescape(response.get_data(as_text=True))
    assert "The file could not be stored just now" in html and "nothing was changed" in html
    db.session.expire_all()
    assert shop_a.logo_key is None and shop_a.brand_colour is None
    assert stored_files(uploads) == []
    assert audit_entries() == []
