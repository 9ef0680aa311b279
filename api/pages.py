"""Browser pages and static assets: the widget, its loader, the agent console, the demo."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

import livechat.web

WEB_DIR = Path(livechat.web.__file__).parent
LOADER_PREFIX = "/packages/pimentachat_livechat/assets"
LOADER_PATH = f"{LOADER_PREFIX}/pimenta-livechat.js"
LOADER_MAX_AGE_S = 3600  # sites pick up a new loader within the hour; it is tiny and revalidates by ETag
ASSET_DIRS = ("shared", "widget", "agent", "demo")  # served under /assets/<dir>/
# A public URL we put inside a <script>: scheme, host, optional port and path, nothing that could
# close the string or the tag.
SAFE_URL = re.compile(r"^https?://([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(:\d+)?(/[A-Za-z0-9._~\-/]*)?$")


class WebAssets(StaticFiles):
    """Static files with explicit caching; JavaScript as `application/javascript`."""

    def __init__(self, directory: Path, cache_control: str, cors: bool = False) -> None:
        super().__init__(directory=directory)
        self.cache_control = cache_control
        self.cors = cors

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = self.cache_control
        if response.headers.get("content-type", "").startswith("text/javascript"):
            response.headers["content-type"] = "application/javascript; charset=utf-8"
        if self.cors:
            response.headers["Access-Control-Allow-Origin"] = "*"
        return response


def public_url(request: Request) -> str:
    """Where browsers reach this server: LIVECHAT_PUBLIC_URL, else the request's own base URL."""
    configured = os.environ.get("LIVECHAT_PUBLIC_URL", "").rstrip("/")
    if configured:
        if not SAFE_URL.match(configured):
            raise RuntimeError(f"LIVECHAT_PUBLIC_URL must be a plain http(s) URL, got {configured!r}")
        return configured
    base = str(request.base_url).rstrip("/")
    return base if SAFE_URL.match(base) else f"{request.url.scheme}://localhost"


def snippet(host: str) -> str:
    """The installation code (SPEC §7), exactly as site owners paste it."""
    return (
        "(function(w, d, s, u) { w.pimentachat = function(c) { w.pimentachat._.push(c) }; "
        "w.pimentachat._ = []; w.pimentachat.url = u; var h = d.getElementsByTagName(s)[0], "
        f"j = d.createElement(s); j.async = true; j.src = '{host}{LOADER_PATH}'; "
        f"h.parentNode.insertBefore(j, h); }})(window, document, 'script', '{host}/livechat');"
    )


def magento_snippet(host: str) -> str:
    """The same code for Magento 2 pages, which load scripts through RequireJS."""
    return "require(['jquery'], function ($) {\n  " + snippet(host) + "\n});"


def _page(name: str, **values: str) -> HTMLResponse:
    text = (WEB_DIR / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return HTMLResponse(text, headers={"Cache-Control": "no-cache"})


async def widget_page(request: Request) -> Response:
    return _page("widget/index.html")


async def agent_page(request: Request) -> Response:
    return _page("agent/index.html")


async def demo_page(request: Request) -> Response:
    host = public_url(request)
    return _page("demo/index.html", SNIPPET=snippet(host), SNIPPET_TEXT=html.escape(snippet(host)),
                 MAGENTO_TEXT=html.escape(magento_snippet(host)))


async def landing_page(request: Request) -> Response:
    host = public_url(request)
    return _page("demo/landing.html", HOST=html.escape(host), SNIPPET_TEXT=html.escape(snippet(host)),
                 MAGENTO_TEXT=html.escape(magento_snippet(host)))


routes: list[BaseRoute] = [
    Route("/", landing_page, methods=["GET"]),
    Route("/livechat", widget_page, methods=["GET"]),
    Route("/agent", agent_page, methods=["GET"]),
    Route("/demo", demo_page, methods=["GET"]),
    Mount(LOADER_PREFIX, app=WebAssets(WEB_DIR / "loader", f"public, max-age={LOADER_MAX_AGE_S}", cors=True)),
    *[Mount(f"/assets/{name}", app=WebAssets(WEB_DIR / name, "no-cache")) for name in ASSET_DIRS],
]
