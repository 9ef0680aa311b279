"""One server, one host site on a second origin and one Chromium for the browser tests (package scope);
each test gets fresh browser contexts and cleans up the agents, departments and chats it made."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from livechat.engine.embedded_redis import EmbeddedRedis, free_port

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = REPO / "test-output" / "screenshots"
NPM_DIR = REPO / "build" / "browser-npm"  # build/ is gitignored; the install is reused across runs
NPM_PACKAGES = ["requirejs@2", "jquery@3"]  # what Magento 2 ships: RequireJS 2.3 and jQuery 3
SERVER_START_TIMEOUT_S = 30  # embedded Redis is already up; the API starts in a second or two
ADMIN = ("admin", "adminpass1")


class Server:
    def __init__(self, url: str, process: subprocess.Popen[bytes]) -> None:
        self.url = url
        self.process = process


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("livechat")
    redis = EmbeddedRedis(data / "redis")
    redis.start()
    port = free_port()
    env = {**os.environ, "REDIS_URL": redis.url, "LIVECHAT_ADMIN_USER": ADMIN[0], "LIVECHAT_ADMIN_PASSWORD": ADMIN[1],
           "LIVECHAT_DATA_DIR": str(data), "LIVECHAT_LOG_LEVEL": "warning"}
    env.pop("LIVECHAT_PUBLIC_URL", None)
    log = (data / "serve.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "livechat.api.cli", "serve", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, data / "serve.log")
        yield Server(url, process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        redis.stop()


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"livechat serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/api/info", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"livechat serve did not answer /api/info within {SERVER_START_TIMEOUT_S} s:\n{log.read_text()}")


class HostSite:
    """A customer's website: a second origin (`localhost` vs the server's `127.0.0.1`)."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.url = f"http://localhost:{port}"

    def page(self, name: str, body: str) -> str:
        (self.root / name).write_text(body, encoding="utf-8")
        return f"{self.url}/{name}"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="package")
def host_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostSite]:
    root = tmp_path_factory.mktemp("host-site")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield HostSite(root, httpd.server_address[1])
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="package")
def npm_packages(host_site: HostSite) -> dict[str, str]:
    """The real `requirejs` and `jquery` from the npm registry, copied into the host site."""
    modules = NPM_DIR / "node_modules"
    files = {"require.js": modules / "requirejs" / "require.js", "jquery.js": modules / "jquery" / "dist" / "jquery.js"}
    marker = NPM_DIR / "installed.txt"
    wanted = " ".join(NPM_PACKAGES)
    if not all(path.exists() for path in files.values()) or not marker.exists() or marker.read_text() != wanted:
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: the Magento test needs the requirejs and jquery packages")
        NPM_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(NPM_DIR), "--no-audit", "--no-fund", "--loglevel=error",
                        *NPM_PACKAGES], check=True, timeout=300, capture_output=True)
        marker.write_text(wanted)
    for name, path in files.items():
        shutil.copy(path, host_site.root / name)
    return {name: f"{host_site.url}/{name}" for name in files}


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the test extra)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (make browser-deps)")
    with sync_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="package")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


class Admin:
    """The REST API as the first admin, plus what a test created (undone afterwards)."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=f"{url}/api/v1", timeout=10)
        data = self.call("POST", "login", {"user": ADMIN[0], "password": ADMIN[1]})["data"]
        self.client.headers.update({"X-User-Id": data["userId"], "X-Auth-Token": data["authToken"]})
        self.agents: list[dict[str, Any]] = []
        self.departments: list[str] = []
        self.clients: list[httpx.Client] = []
        self.fields: list[str] = []
        self.triggers: list[str] = []

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> dict[str, Any]:
        response = self.client.request(method, path, json=body, params=params or None)
        assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text}"
        result: dict[str, Any] = response.json()
        return result

    def agent(self, name: str, roles: list[str] | None = None) -> dict[str, Any]:
        username = f"{name.split()[0].lower()}{len(self.agents)}-{time.monotonic_ns() % 10**8}"
        user = self.call("POST", "users.create", {"username": username, "password": "agentpass1", "name": name,
                                                  "email": f"{username}@example.com",
                                                  "roles": roles or ["livechat-agent"]})
        agent = {"_id": user["user"]["_id"], "username": username, "password": "agentpass1", "name": name}
        self.agents.append(agent)
        return agent

    def login(self, agent: dict[str, Any]) -> httpx.Client:
        """A REST client acting as `agent` (closed with the others at clean-up)."""
        client = httpx.Client(base_url=str(self.client.base_url), timeout=10)
        data = client.post("login", json={"user": agent["username"], "password": agent["password"]}).json()["data"]
        client.headers.update({"X-User-Id": data["userId"], "X-Auth-Token": data["authToken"]})
        self.clients.append(client)
        return client

    def set_status(self, agent: dict[str, Any], status: str) -> None:
        self.call("POST", "livechat/agent.status", {"agentId": agent["_id"], "status": status})

    def department(self, name: str, agents: list[dict[str, Any]], **fields: Any) -> str:
        body = {"department": {"name": name, "enabled": True, "showOnRegistration": True, **fields},
                "agents": [{"agentId": a["_id"]} for a in agents]}
        department_id: str = self.call("POST", "livechat/department", body)["department"]["_id"]
        self.departments.append(department_id)
        return department_id

    def custom_field(self, field: str, label: str, public: bool) -> None:
        self.call("POST", "livechat/custom-fields", {"customFieldData": {
            "field": field, "label": label, "scope": "visitor", "visibility": "visible", "public": public}})
        self.fields.append(field)

    def trigger(self, trigger: dict[str, Any]) -> None:
        self.triggers.append(self.call("POST", "livechat/triggers", trigger)["trigger"]["_id"])

    def open_rooms(self) -> list[dict[str, Any]]:
        rooms: list[dict[str, Any]] = self.call("GET", "livechat/rooms", open="true")["rooms"]
        return rooms

    def clean_up(self) -> None:
        for agent in self.agents:
            self.set_status(agent, "not-available")
        for room in self.open_rooms():
            self.call("POST", "livechat/room.closeByUser", {"rid": room["_id"], "comment": "test clean-up"})
        for department_id in self.departments:
            self.call("DELETE", f"livechat/department/{department_id}")
        for trigger_id in self.triggers:
            self.call("DELETE", f"livechat/triggers/{trigger_id}")
        for field in self.fields:
            self.call("DELETE", f"livechat/custom-fields/{field}")
        for client in [*self.clients, self.client]:
            client.close()


@pytest.fixture
def admin(server: Server) -> Iterator[Admin]:
    api = Admin(server.url)
    yield api
    api.clean_up()


class Watch:
    """Every page of a test: no JavaScript error and no dialog (an `alert` would be an injection)."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []

    def page(self, page: Any) -> Any:
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on("dialog", self._dialog)
        return page

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def contexts(browser: Any) -> Iterator[Any]:
    """new_page(): a page in a fresh context (its own storage, like another person's browser)."""
    made: list[Any] = []
    watch = Watch()

    def new_page(**options: Any) -> Any:
        context = browser.new_context(viewport={"width": 1200, "height": 760}, **options)
        context.set_default_timeout(10_000)
        made.append(context)
        return watch.page(context.new_page())

    new_page.watch = watch  # type: ignore[attr-defined]
    yield new_page
    for context in made:
        context.close()
    assert not watch.dialogs, f"dialogs opened: {watch.dialogs}"
    assert not watch.errors, f"JavaScript errors: {watch.errors}"
