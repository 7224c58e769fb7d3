"""The console's order import: a shop's admin uploads a CSV file, sees what it would do (counts,
the first orders, every bad row with its line and column) with nothing written, then confirms;
the valid orders are imported once, the file is deleted. Another shop's orders stay untouched;
semicolons and a byte order mark are read; a file too large or not CSV gets a message; agents
have no access."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.money import format_money
from portal.orders import importer
from portal.orders.models import Order
from portal.storage import get_storage
from tests.cli.order_files import csv_row, csv_text
from tests.conftest import csrf_from

IMPORT = "/console/import"
PREVIEW = "/console/import/preview"
CONFIRM = "/console/import/confirm"
SAMPLE = "/console/import/sample.csv"
ALREADY = "Nothing was imported now: this file has already been imported, or another file was checked since."
KETTLE = {"item_id": "L2", "sku": "KETTLE-K1", "name": "Vedenkeitin K1", "quantity": "2", "unit_price": "3990"}


@pytest.fixture
def admin_a(make_user, shop_a):
    return make_user(email="admin@kodinkone.fi", role="merchant_admin", merchant=shop_a)


def page(client, url: str = IMPORT, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return unescape(response.get_data(as_text=True))


def preview(client, content: bytes | str, filename: str = "orders.csv", *, query: str = ""):
    data = content.encode("utf-8") if isinstance(content, str) else content
    token = csrf_from(page(client, IMPORT + query))
    return client.post(
        PREVIEW + query,
        data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def upload_key(html: str) -> str:
    return re.search(r'name="upload" value="([^"]+)"', html).group(1)


def confirm(client, html: str, *, query: str = "", key: str | None = None):
    return client.post(CONFIRM + query, data={"csrf_token": csrf_from(html), "upload": key or upload_key(html)})


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def table(html: str, table_id: str) -> list[list[str]]:
    """The body rows of a table as lists of cell texts, tags stripped."""
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells])
    return rows


def count(html: str, name: str) -> int:
    return int(re.search(rf'<dd id="count-{name}">(\d+)</dd>', html).group(1))


def orders_of(merchant) -> dict[str, Order]:
    db.session.expire_all()
    return {o.number: o for o in db.session.scalars(select(Order).where(Order.merchant_id == merchant.id))}


def order_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


def imports_audited() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "orders.imported")))


def mixed_file() -> str:
    """Two good orders (2001 with two items; 2002 already in the shop) and four bad rows."""
    return csv_text(
        [
            csv_row("2001", captured="97880"),  # line 2
            csv_row("2001", **KETTLE),  # line 3
            csv_row("2002", customer_email="elsa@example.se", customer_name="Elsa Lind"),  # line 4
            csv_row("2003", unit_price="899,00"),  # line 5: a price with a decimal comma
            csv_row("2004", customer_email=""),  # line 6: no e-mail
            csv_row("2005", currency="USD"),  # line 7: an unknown currency
            csv_row("", sku="LOST"),  # line 8: no order number
        ]
    )


# -- the upload page ---------------------------------------------------------------------------


def test_the_upload_page_explains_every_column_and_links_a_sample(client, sign_in, admin_a):
    sign_in(admin_a.email)
    html = page(client)
    assert f'action="{PREVIEW}"' in html and 'enctype="multipart/form-data"' in html
    assert 'type="file" id="import-file" name="file" accept=".csv,text/csv"' in html
    assert f'href="{SAMPLE}"' in html
    columns = table(html, "import-columns")
    assert [row[0] for row in columns] == list(importer.CSV_COLUMNS)
    assert ["number", "Required"] == columns[0][:2] and ["locale", "Optional"] == columns[3][:2]
    assert "at most 5 MB and 1000 orders" in html


def test_the_sample_file_is_one_both_importers_accept(client, sign_in, admin_a):
    sign_in(admin_a.email)
    response = client.get(SAMPLE)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="apuri-orders-sample.csv"'
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads the letters å, ä and ö right
    records = list(importer.read_records("sample.csv", data.decode("utf-8-sig")))  # flask import-orders
    assert [(r.number, r.problem) for r in records] == [("10001", None), ("10002", None)]

    html = text_of(preview(client, data, "apuri-orders-sample.csv"))
    assert (count(html, "create"), count(html, "update"), count(html, "error-rows")) == (2, 0, 0)
    assert 'id="import-problems"' not in html


# -- the preview -------------------------------------------------------------------------------


def test_the_preview_shows_counts_orders_and_every_bad_row_and_writes_nothing(
    client, sign_in, admin_a, shop_a, make_order
):
    make_order(shop_a, "2002")
    sign_in(admin_a.email)
    before = order_count()

    response = preview(client, mixed_file(), "tilaukset.csv")

    assert response.status_code == 200
    html = text_of(response)
    assert "File: tilaukset.csv" in html
    assert (count(html, "create"), count(html, "update")) == (1, 1)
    assert (count(html, "skipped"), count(html, "error-rows")) == (3, 4)
    assert table(html, "import-orders") == [
        ["2001", "Aino Virtanen aino@example.fi", "2", format_money(89900 + 2 * 3990 + 4900, "EUR", "en"), "New"],
        ["2002", "Elsa Lind elsa@example.se", "1", format_money(94800, "EUR", "en"), "Update"],
    ]
    assert table(html, "import-problems") == [
        ["5", "2003", "unit_price", "Must be a whole number of minor units (cents): 49.90 is written 4990."],
        ["6", "2004", "customer_email", "This field is required."],
        ["7", "2005", "currency", "Is not one of the allowed values."],
        ["8", "—", "number", "The order number is missing."],
    ]
    assert "Import 2 orders" in html
    assert order_count() == before and "2001" not in orders_of(shop_a)
    assert orders_of(shop_a)["2002"].customer.email == "aino@example.fi"
    assert imports_audited() == []


def test_a_bad_row_leaves_out_its_whole_order_and_points_at_its_line(client, sign_in, admin_a):
    sign_in(admin_a.email)
    content = csv_text(
        [
            csv_row("3001"),
            csv_row("3002"),
            csv_row("3001", **{**KETTLE, "quantity": "0"}),  # line 4: the second item of 3001
            csv_row("3003", captured="99999999"),  # more than the order's total
        ]
    )
    html = text_of(preview(client, content))
    assert (count(html, "create"), count(html, "skipped")) == (1, 2)
    assert [row[0] for row in table(html, "import-orders")] == ["3002"]
    assert table(html, "import-problems") == [
        ["4", "3001", "quantity", "Is too small."],
        ["5", "3003", "captured", "Cannot be more than the order total."],
    ]


def test_the_preview_lists_the_first_20_orders_and_counts_them_all(client, sign_in, admin_a):
    sign_in(admin_a.email)
    html = text_of(preview(client, csv_text([csv_row(str(4000 + n)) for n in range(25)])))
    assert count(html, "create") == 25
    assert len(table(html, "import-orders")) == 20 and "The first 20 of 25." in html


def test_a_file_with_nothing_to_import_offers_no_confirmation_and_keeps_nothing(client, sign_in, admin_a):
    sign_in(admin_a.email)
    html = text_of(preview(client, csv_text([csv_row("5001", currency="USD")])))
    assert "Nothing in this file can be imported." in html
    assert 'name="upload"' not in html
    with client.session_transaction() as session:
        assert "console_order_import" not in session


# -- confirming --------------------------------------------------------------------------------


def test_confirming_imports_exactly_the_valid_orders_once_and_deletes_the_file(
    client, sign_in, admin_a, shop_a, make_order
):
    make_order(shop_a, "2002")
    sign_in(admin_a.email)
    checked = text_of(preview(client, mixed_file()))
    key = upload_key(checked)
    assert get_storage().exists(key)

    response = confirm(client, checked)

    assert response.status_code == 200
    html = text_of(response)
    assert "Import finished" in html
    assert (count(html, "created"), count(html, "updated"), count(html, "skipped")) == (1, 1, 3)
    assert [(row[0], row[-1]) for row in table(html, "import-orders")] == [("2001", "Created"), ("2002", "Updated")]
    assert [row[:3] for row in table(html, "import-problems")] == [
        ["5", "2003", "unit_price"],
        ["6", "2004", "customer_email"],
        ["7", "2005", "currency"],
        ["8", "—", "number"],
    ]
    orders = orders_of(shop_a)
    assert sorted(orders) == ["2001", "2002"]
    assert [(i.line_id, i.quantity, i.unit_price) for i in orders["2001"].items] == [("L1", 1, 89900), ("L2", 2, 3990)]
    assert orders["2001"].payment.captured == 97880
    assert orders["2002"].customer.email == "elsa@example.se"
    assert not get_storage().exists(key)
    [audited] = imports_audited()
    assert audited.actor_id == admin_a.id and audited.merchant_id == shop_a.id
    assert {k: audited.after[k] for k in ("file", "created", "updated", "skipped", "lines_with_problems")} == {
        "file": "orders.csv",
        "created": 1,
        "updated": 1,
        "skipped": 3,
        "lines_with_problems": 4,
    }
    trail = page(client, "/console/audit")  # named in words once the audit log's table has it
    assert "orders.imported" in trail or "Orders imported from a file" in trail

    again = confirm(client, checked)  # a reload, a second click

    assert again.status_code == 303 and again.headers["Location"] == IMPORT
    assert ALREADY in page(client)
    assert sorted(orders_of(shop_a)) == ["2001", "2002"] and len(imports_audited()) == 1
    assert orders_of(shop_a)["2001"].version == 1


def test_an_order_refused_while_saving_is_reported_and_the_others_are_imported(
    client, sign_in, admin_a, shop_a, monkeypatch
):
    from portal.console import imports
    from portal.errors import Conflict

    real_upsert = imports.upsert_order

    def upsert(merchant, number, document, *, actor):
        if number == "2102":  # e.g. it would drop an item the buyer is returning
            raise Conflict("Item L1 is being returned.")
        return real_upsert(merchant, number, document, actor=actor)

    monkeypatch.setattr(imports, "upsert_order", upsert)
    sign_in(admin_a.email)
    checked = text_of(preview(client, csv_text([csv_row("2101"), csv_row("2102"), csv_row("2103")])))

    html = text_of(confirm(client, checked))

    assert (count(html, "created"), count(html, "skipped"), count(html, "error-rows")) == (2, 1, 1)
    assert table(html, "import-problems") == [["3", "2102", "—", "Item L1 is being returned."]]
    assert sorted(orders_of(shop_a)) == ["2101", "2103"]
    assert imports_audited()[0].after["skipped"] == 1


def test_another_shops_orders_are_untouched(client, sign_in, admin_a, shop_a, shop_b, make_order):
    theirs = make_order(shop_b, "2001", customer={"email": "pekka@example.fi", "name": "Pekka"})
    sign_in(admin_a.email)
    checked = text_of(preview(client, csv_text([csv_row("2001")])))
    assert (count(checked, "create"), count(checked, "update")) == (1, 0)  # their 2001 is not ours

    confirm(client, checked)

    assert sorted(orders_of(shop_a)) == ["2001"]
    [their_order] = orders_of(shop_b).values()
    assert their_order.id == theirs.id and their_order.version == 1
    assert their_order.customer.email == "pekka@example.fi"


def test_a_semicolon_file_with_a_byte_order_mark_is_read(client, sign_in, admin_a, shop_a):
    sign_in(admin_a.email)
    rows = [
        csv_row("6001", tax_rate="25,5", attributes=""),
        csv_row("6001", **KETTLE, tax_rate="14", attributes=""),
        csv_row("6002", customer_email="asa@example.se", customer_name="Åsa Öberg", attributes=""),
    ]
    lines = [";".join(importer.CSV_COLUMNS)] + [";".join(row[c] for c in importer.CSV_COLUMNS) for row in rows]
    lines.append(";" * (len(importer.CSV_COLUMNS) - 1))  # Excel leaves empty rows at the end
    content = ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")

    checked = text_of(preview(client, content, "excel.csv"))

    assert (count(checked, "create"), count(checked, "error-rows")) == (2, 0), checked
    assert table(checked, "import-orders")[1][1] == "Åsa Öberg asa@example.se"
    confirm(client, checked)
    orders = orders_of(shop_a)
    assert [str(i.tax_rate) for i in orders["6001"].items] == ["25.50", "14.00"]
    assert orders["6002"].customer.name == "Åsa Öberg"


def test_a_key_not_from_this_session_imports_nothing(client, app, sign_in, admin_a, shop_a):
    sign_in(admin_a.email)
    checked = text_of(preview(client, csv_text([csv_row("7001")])))
    forged = confirm(client, checked, key="ab/cd/abcd0123456789abcdef0123456789ab.csv")
    assert forged.status_code == 303 and orders_of(shop_a) == {}

    stranger = app.test_client()  # signed in too, but without the preview in its session
    sign_in(admin_a.email, using=stranger)
    assert confirm(stranger, page(stranger), key=upload_key(checked)).status_code == 303
    assert orders_of(shop_a) == {}

    assert confirm(client, checked).status_code == 200  # the real one still works
    assert sorted(orders_of(shop_a)) == ["7001"]


def test_a_new_preview_replaces_the_file_waiting_for_confirmation(client, sign_in, admin_a, shop_a):
    sign_in(admin_a.email)
    first = text_of(preview(client, csv_text([csv_row("8001")])))
    second = text_of(preview(client, csv_text([csv_row("8002")])))
    assert not get_storage().exists(upload_key(first))
    assert confirm(client, first).status_code == 303  # the older tab
    assert confirm(client, second).status_code == 200
    assert sorted(orders_of(shop_a)) == ["8002"]


def test_a_platform_admin_imports_into_the_shop_they_chose(client, sign_in, platform_admin, shop_a, shop_b):
    sign_in(platform_admin.email)
    choose = page(client)
    assert "Kodinkone Oy" in choose and "Pyöräpaja" in choose and 'name="file"' not in choose  # pick a shop first
    checked = text_of(preview(client, csv_text([csv_row("9001")]), query="?shop=pyorapaja"))
    assert confirm(client, checked, query="?shop=kodinkone").status_code == 303  # not the shop previewed
    assert confirm(client, checked, query="?shop=pyorapaja").status_code == 200
    assert sorted(orders_of(shop_b)) == ["9001"] and orders_of(shop_a) == {}


# -- files refused -----------------------------------------------------------------------------


def test_a_file_above_5_mb_is_refused_with_a_message(client, sign_in, admin_a):
    sign_in(admin_a.email)
    token = csrf_from(page(client))
    big = csv_text([csv_row("1")]).encode() + b"x" * (6 * 1024 * 1024)
    # Built here rather than by the test client, which would spool it to a file it never closes.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + token.encode() + b"\r\n"
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + big + b"\r\n--b--\r\n"
    )
    response = client.post(
        PREVIEW,
        input_stream=io.BytesIO(body),
        content_length=len(body),
        content_type="multipart/form-data; boundary=b",
    )
    assert response.status_code == 413
    html = text_of(response)
    assert "The file is larger than 5 MB. Split it into smaller files and import them one after another." in html
    assert f'href="{IMPORT}"' in html and 'id="import-file-error"' not in html  # refused before it was read


def test_a_file_just_above_the_limit_is_refused_beside_the_field(client, app, sign_in, admin_a):
    app.config["ORDER_IMPORT_MAX_BYTES"] = 2000
    sign_in(admin_a.email)
    response = preview(client, "x" * 2001)
    assert response.status_code == 413
    html = text_of(response)
    assert 'id="import-file-error"' in html and "Split it into smaller files" in html
    with client.session_transaction() as session:
        assert "console_order_import" not in session


def test_a_file_with_more_orders_than_one_import_takes_is_refused(client, app, sign_in, admin_a):
    app.config["ORDER_IMPORT_MAX_ORDERS"] = 2
    sign_in(admin_a.email)
    response = preview(client, csv_text([csv_row("1"), csv_row("2"), csv_row("2", **KETTLE), csv_row("3")]))
    assert response.status_code == 422
    assert (
        "The file has 3 orders to import, more than the 2 one import can take. "
        "Split it into smaller files and import them one after another."
    ) in text_of(response)
    assert preview(client, csv_text([csv_row("1"), csv_row("2"), csv_row("3", currency="USD")])).status_code == 200


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "photo.csv", "The file is not UTF-8 text."),
        (b"PK\x03\x04\x14\x00\x06\x00", "orders.xlsx", "This is an Excel workbook, not a CSV file."),
        ("Dear shop,\nhere are my orders: 1, 2, 3\n", "letter.csv", "these are missing: number, placed_at"),
        ("number;sku\n1;A\n", "short.csv", "these are missing: placed_at, currency, customer_email, item_id"),
        ("  \n\n", "empty.csv", "The file is empty."),
        ("a\x00b", "nul.csv", "The file is not a text file."),
    ],
)
def test_a_file_that_is_not_an_order_csv_is_refused_with_a_message(
    client, sign_in, admin_a, content, filename, message
):
    sign_in(admin_a.email)
    response = preview(client, content, filename)
    assert response.status_code == 422
    html = text_of(response)
    assert 'id="import-file-error"' in html and message in html
    with client.session_transaction() as session:
        assert "console_order_import" not in session


def test_no_file_chosen_is_refused_beside_the_field(client, sign_in, admin_a):
    sign_in(admin_a.email)
    response = client.post(PREVIEW, data={"csrf_token": csrf_from(page(client))}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose the CSV file to import." in text_of(response)


# -- who may -----------------------------------------------------------------------------------


def test_agents_and_support_agents_have_no_access(client, sign_in, make_user, shop_a, agent_a):
    for email, role in ((agent_a.email, None), ("support@apuri.example", "support_agent")):
        browser = client.application.test_client()
        if role:
            make_user(email=email, role=role, merchant=shop_a)
        sign_in(email, using=browser)
        token = csrf_from(page(browser, "/console/orders"))
        upload = {"csrf_token": token, "file": (io.BytesIO(csv_text([csv_row("1")]).encode()), "orders.csv")}
        for response in (
            browser.get(IMPORT),
            browser.get(SAMPLE),
            browser.post(PREVIEW, data=upload, content_type="multipart/form-data"),
            browser.post(CONFIRM, data={"csrf_token": token, "upload": "x"}),
        ):
            assert response.status_code == 403
    assert order_count() == 0
