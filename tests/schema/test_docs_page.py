"""The API docs page in the running app: Swagger UI, its files served from /static/
(drf-spectacular-sidecar: no CDN), its start-up script from the page's own URL."""

import re
import urllib.request

import pytest

pytestmark = [pytest.mark.slow]


def fetch(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=30) as reply:
        return reply.status, reply.headers.get("Content-Type", ""), reply.read()


def test_the_docs_page_and_every_file_it_loads_are_served(web_server):
    status, content_type, body = fetch(f"{web_server.base_url}/api/docs/")
    assert status == 200 and content_type.startswith("text/html")
    html = body.decode()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert len(scripts) == 3 and len(styles) == 2, html

    assets = [url for url in scripts + styles if url.startswith("/static/")]
    assert len(assets) == 4  # Swagger UI's bundle, preset and CSS, and the page's own CSS
    for url in assets:
        status, content_type, body = fetch(web_server.base_url + url)
        assert status == 200 and body, url
        expected = "text/css" if url.endswith(".css") else "javascript"
        assert expected in content_type, (url, content_type)

    (start_up,) = [url for url in scripts if not url.startswith("/static/")]
    status, content_type, body = fetch(web_server.base_url + start_up.replace("&amp;", "&"))
    assert status == 200 and "javascript" in content_type
    assert "SwaggerUIBundle" in body.decode() and "/api/schema/" in body.decode()

    status, content_type, body = fetch(f"{web_server.base_url}/api/schema/")
    assert status == 200 and content_type.startswith("application/vnd.oai.openapi")
