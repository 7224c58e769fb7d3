from portal.buyers.access import order_link


def test_order_link_opens_the_order_without_signing_in(client, make_merchant, make_order):
    shop = make_merchant("kodinkone", name="Kodinkone Oy")
    order = make_order(shop, "1001")
    link = order_link(order)
    response = client.get(link.replace("http://127.0.0.1:5000", ""), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Jääkaappi A200" in html
