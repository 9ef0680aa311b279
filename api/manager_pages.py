"""The manager console: one page and its static assets; its data comes from the REST API."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from livechat.api.pages import WEB_DIR, WebAssets

CONSOLE_DIR = WEB_DIR / "manager"
# The console builds every element itself from its own scripts: nothing inline, nothing from elsewhere,
# and no site may frame it (its buttons change how Livechat works). The preview frames /livechat.
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


async def manager_page(request: Request) -> Response:
    return HTMLResponse((CONSOLE_DIR / "index.html").read_text(encoding="utf-8"), headers=PAGE_HEADERS)


routes: list[BaseRoute] = [
    Route("/manager", manager_page, methods=["GET"]),
    Mount("/assets/manager", app=WebAssets(CONSOLE_DIR, "no-cache")),
]
