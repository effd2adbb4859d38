"""The page's own stylesheet and htmx script are served by the app itself."""

from __future__ import annotations

import re


def test_stylesheet_and_script_referenced_by_the_base_page_are_served(client, db):
    page = client.get("/").content.decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert b"".join(response.streaming_content if response.streaming else [response.content])
