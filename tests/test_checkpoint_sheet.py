"""The printable checkpoint sheet: QR codes as inline SVG, nothing the CSP would block."""

import re


def test_sheet_is_html_with_one_qr_svg_per_active_checkpoint(client, town, login):
    site = town.sites["a"]
    res = client.get(f"/api/sites/{site.id}/checkpoints/sheet", headers=login("admin"))
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/html")
    html = res.text
    assert html.count("<svg") == len(town.checkpoints["a"])
    for cp in town.checkpoints["a"]:
        assert cp.name in html and cp.code in html
    assert "东风小学" in html


def test_sheet_qr_code_decodes_to_the_checkpoint_code(client, town, login):
    """The QR is segno's rendering of the code itself (compared module by module)."""
    import segno

    cp = town.checkpoints["a"][0]
    res = client.get(f"/api/sites/{town.sites['a'].id}/checkpoints/sheet", headers=login("admin"))
    paths = re.findall(r'<path class="qrline"[^>]* d="([^"]+)"', res.text)
    expected = segno.make(cp.code, error="m", micro=False).svg_inline(scale=6, border=2)
    assert re.search(r'class="qrline"[^>]* d="([^"]+)"', expected).group(1) == paths[0]


def test_sheet_has_no_inline_script_style_or_external_resources(client, town, login):
    res = client.get(f"/api/sites/{town.sites['a'].id}/checkpoints/sheet", headers=login("admin"))
    html = res.text.lower()
    assert "<script" not in html
    assert "<style" not in html and " style=" not in html
    assert "http://" not in html and "https://" not in html
    links = re.findall(r'href="([^"]+)"', html)
    assert links and all(link.startswith("/") for link in links)


def test_sheet_stylesheet_is_served_as_css_with_print_rules(client, town, login):
    res = client.get("/api/sites/sheet.css", headers=login("member_a1"))
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/css")
    assert "@page" in res.text


def test_deactivated_checkpoints_are_left_off_the_sheet(client, town, login):
    site_id = town.sites["a"].id
    cp = town.checkpoints["a"][0]
    headers = login("admin")
    client.post(f"/api/sites/{site_id}/checkpoints/{cp.id}/deactivate", headers=headers)
    html = client.get(f"/api/sites/{site_id}/checkpoints/sheet", headers=headers).text
    assert cp.code not in html
    assert html.count("<svg") == len(town.checkpoints["a"]) - 1


def test_checkpoint_names_are_escaped_on_the_sheet(client, town, login):
    site_id = town.sites["a"].id
    headers = login("admin")
    client.post(
        f"/api/sites/{site_id}/checkpoints",
        json={"name": "<b>后门</b>", "code": "DF-BACK-1"},
        headers=headers,
    )
    html = client.get(f"/api/sites/{site_id}/checkpoints/sheet", headers=headers).text
    assert "<b>后门</b>" not in html and "&lt;b&gt;后门&lt;/b&gt;" in html


def test_member_cannot_print_another_groups_sheet(client, town, login):
    res = client.get(
        f"/api/sites/{town.sites['b'].id}/checkpoints/sheet", headers=login("member_a1")
    )
    assert res.status_code == 404


def test_sheet_needs_a_login(client, town):
    assert client.get(f"/api/sites/{town.sites['a'].id}/checkpoints/sheet").status_code == 401
