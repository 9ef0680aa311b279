"""Routing under load: two API processes on one Redis, chats requested all at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from livechat.engine.embedded_redis import EmbeddedRedis
from tests.conftest import Server
from tests.helpers import Api

AGENTS, CHATS = 10, 200


@pytest.fixture
def second_server(redis_server: EmbeddedRedis, tmp_path: Path) -> Iterator[Server]:
    other = Server(redis_server.url, tmp_path, workers=0)
    yield other
    other.stop()


def test_200_chats_at_once_across_two_processes_are_each_assigned_once_and_evenly(
        api: Api, second_server: Server) -> None:
    agent_ids = {api.agent(f"agent{i}")[0] for i in range(AGENTS)}
    tokens = [api.visitor(f"V{i}") for i in range(CHATS)]
    servers = [api.server.url, second_server.url]

    def request_chat(i: int) -> dict:
        with httpx.Client(base_url=servers[i % 2], timeout=30) as client:
            response = client.get("/api/v1/livechat/room", params={"token": tokens[i]})
            assert response.status_code == 200, response.text
            return dict(response.json()["room"])

    with ThreadPoolExecutor(max_workers=40) as pool:
        rooms = list(pool.map(request_chat, range(CHATS)))

    assert len({r["_id"] for r in rooms}) == CHATS  # one chat per visitor, none doubled
    assert all(r["status"] == "taken" for r in rooms)
    per_agent = Counter(r["servedBy"]["_id"] for r in rooms)
    assert set(per_agent) == agent_ids
    assert max(per_agent.values()) - min(per_agent.values()) <= 1, per_agent
    load = {a["_id"]: a["livechatCount"] for a in api.ok(api.get("livechat/users/agent", api.admin))["users"]
            if a["_id"] in agent_ids}
    assert load == dict(per_agent)  # the recorded load agrees with the assignments


def test_capacity_holds_under_concurrency(api: Api, second_server: Server) -> None:
    api.ok(api.post("settings/Livechat_max_chats_per_agent", {"value": 3}, api.admin))
    for i in range(5):
        api.agent(f"agent{i}")
    tokens = [api.visitor(f"V{i}") for i in range(30)]
    servers = [api.server.url, second_server.url]

    def request_chat(i: int) -> dict:
        with httpx.Client(base_url=servers[i % 2], timeout=30) as client:
            return dict(client.get("/api/v1/livechat/room", params={"token": tokens[i]}).json()["room"])

    with ThreadPoolExecutor(max_workers=30) as pool:
        rooms = list(pool.map(request_chat, range(30)))
    statuses = Counter(r["status"] for r in rooms)
    assert statuses == {"taken": 15, "queued": 15}
    assert max(Counter(r["servedBy"]["_id"] for r in rooms if r.get("servedBy")).values()) == 3


def test_the_same_visitor_asking_twice_at_once_on_two_processes_gets_one_chat(
        api: Api, second_server: Server) -> None:
    api.agent("ana")
    tokens = [api.visitor(f"V{i}") for i in range(20)]
    servers = [api.server.url, second_server.url]

    def request_chat(job: tuple[int, int]) -> str:
        visitor, server = job
        with httpx.Client(base_url=servers[server], timeout=30) as client:
            return str(client.get("/api/v1/livechat/room", params={"token": tokens[visitor]}).json()["room"]["_id"])

    jobs = [(v, s) for v in range(20) for s in (0, 1, 0, 1)]  # four requests per visitor, both processes
    with ThreadPoolExecutor(max_workers=40) as pool:
        rids = list(pool.map(request_chat, jobs))
    for v in range(20):
        assert len({rid for (visitor, _), rid in zip(jobs, rids, strict=True) if visitor == v}) == 1
    agents = api.ok(api.get("livechat/users/agent", api.admin))["users"]
    assert sum(a["livechatCount"] for a in agents) == 20
