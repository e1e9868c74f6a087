"""/docs renders with every other host unreachable (its assets come from this server), and a
phone that has the app installed still gets the server's /docs, /openapi.json and /api, never
the app's page from its service worker."""

from urllib.parse import urlparse


def _block_other_hosts(context) -> list[str]:
    """Abort every request not to 127.0.0.1 (a town office with no Internet); returns them."""
    blocked: list[str] = []

    def _route(route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", _route)
    return blocked


def test_docs_render_swagger_ui_with_no_other_host_reachable(phone):
    page = phone.open()
    blocked = _block_other_hosts(phone.context)
    page.goto(f"{phone.base}/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "School-safety patrol" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-tag", state="attached")
    assert page.locator(".opblock").count() > 20  # the operations were read from /openapi.json
    assert blocked == []


def test_the_installed_app_leaves_docs_openapi_and_api_to_the_server(phone):
    page = phone.open()
    blocked = _block_other_hosts(phone.context)
    phone.login("member_a1")
    assert page.goto(f"{phone.base}/").from_service_worker
    docs = page.goto(f"{phone.base}/docs")
    assert not docs.from_service_worker
    page.wait_for_selector(".swagger-ui .info .title")
    assert page.locator("body[data-ready]").count() == 0  # not the app's page
    for path in ("/openapi.json", "/api/reports/logs", "/docs/oauth2-redirect"):
        res = page.goto(f"{phone.base}{path}", wait_until="commit")
        assert not res.from_service_worker, path
    assert blocked == []
