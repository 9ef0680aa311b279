"""Browser pages and static assets (the widget, its loader, the consoles)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
