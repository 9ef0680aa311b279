"""The loader and the pages the server serves, without a browser."""

from __future__ import annotations

import gzip
from typing import Any

import httpx
import pytest

from livechat.api.pages import LOADER_PATH, snippet

SPEC_SNIPPET = (
    "(function(w, d, s, u) { w.pimentachat = function(c) { w.pimentachat._.push(c) }; w.pimentachat._ = []; "
    "w.pimentachat.url = u; var h = d.getElementsByTagName(s)[0], j = d.createElement(s); j.async = true; "
    "j.src = '<host>/packages/pimentachat_livechat/assets/pimenta-livechat.js'; h.parentNode.insertBefore(j, h); "
    "})(window, document, 'script', '<host>/livechat');"
)
TARGET_GZIP_BYTES = 10 * 1024


def test_loader_is_small_cacheable_javascript_for_any_site(server: Any) -> None:
    response = httpx.get(f"{server.url}{LOADER_PATH}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    assert "max-age=" in response.headers["cache-control"]
    assert response.headers["access-control-allow-origin"] == "*"
    again = httpx.get(f"{server.url}{LOADER_PATH}", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    gzipped = len(gzip.compress(response.content, compresslevel=9))
    print(f"\nloader: {len(response.content)} bytes raw, {gzipped} bytes gzipped")
    assert gzipped < TARGET_GZIP_BYTES
    assert "define(" not in response.text  # never an anonymous AMD module next to RequireJS


def test_installation_snippet_is_the_documented_one(server: Any) -> None:
    assert snippet("https://chat.example.com") == SPEC_SNIPPET.replace("<host>", "https://chat.example.com")


def test_landing_links_consoles_and_demo_carries_this_servers_snippet(server: Any) -> None:
    landing = httpx.get(f"{server.url}/")
    assert landing.status_code == 200
    for link in ('href="agent"', 'href="manager"', 'href="demo"'):
        assert link in landing.text
    demo = httpx.get(f"{server.url}/demo")
    assert demo.status_code == 200 and snippet(server.url) in demo.text
    for page in ("/agent", "/livechat"):
        assert httpx.get(f"{server.url}{page}").status_code == 200


def test_public_url_setting_is_the_host_in_snippets(monkeypatch: Any) -> None:
    from starlette.requests import Request

    from livechat.api.pages import public_url

    request = Request({"type": "http", "scheme": "http", "server": ("10.0.0.5", 3000), "path": "/", "headers": [],
                       "root_path": ""})
    monkeypatch.delenv("LIVECHAT_PUBLIC_URL", raising=False)
    assert public_url(request) == "http://10.0.0.5:3000"
    monkeypatch.setenv("LIVECHAT_PUBLIC_URL", "https://chat.example.com/")
    assert public_url(request) == "https://chat.example.com"
    monkeypatch.setenv("LIVECHAT_PUBLIC_URL", "https://chat.example.com/'+alert(1)+'")
    with pytest.raises(RuntimeError, match="LIVECHAT_PUBLIC_URL"):
        public_url(request)
