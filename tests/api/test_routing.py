"""Who gets the chat: round robin in the three department cases, the queue, transfers."""

from __future__ import annotations

from collections import Counter

from tests.helpers import Api


def served_by(api: Api, token: str) -> str | None:
    room = api.room(token)
    return room["servedBy"]["_id"] if room.get("servedBy") else None


def test_without_departments_chats_go_round_robin_to_every_available_agent(api: Api) -> None:
    agents = [api.agent(name)[0] for name in ("ana", "bia", "caio")]
    owners = [served_by(api, api.visitor(f"V{i}")) for i in range(9)]
    assert Counter(owners) == {a: 3 for a in agents}
    assert owners[:3] == owners[3:6] == owners[6:]  # the same turn order every round


def test_with_one_department_its_agents_serve_every_chat(api: Api) -> None:
    inside = [api.agent("ana")[0], api.agent("bia")[0]]
    api.agent("outsider")
    api.department("Sales", inside)
    owners = [served_by(api, api.visitor(f"V{i}")) for i in range(4)]
    assert Counter(owners) == {inside[0]: 2, inside[1]: 2}
    config = api.ok(api.get("livechat/config"))["config"]
    assert [d["name"] for d in config["departments"]] == ["Sales"]


def test_with_several_departments_the_visitors_choice_decides(api: Api) -> None:
    sales, support = api.agent("ana")[0], api.agent("bia")[0]
    sales_id = api.department("Sales", [sales])
    support_id = api.department("Support", [support])
    config = api.ok(api.get("livechat/config"))["config"]
    assert {d["name"]: d["showOnRegistration"] for d in config["departments"]} == {"Sales": True, "Support": True}
    assert served_by(api, api.visitor("A", department=support_id)) == support
    assert served_by(api, api.visitor("B", department=sales_id)) == sales
    assert served_by(api, api.visitor("C", department="Support")) == support  # by name, as setDepartment allows


def test_an_unknown_department_is_refused_naming_the_field(api: Api) -> None:
    response = api.post("livechat/visitor", {"visitor": {"token": "t1", "name": "A", "department": "nope"}})
    assert response.status_code == 400
    assert response.json()["field"] == "visitor.department"


def test_with_nobody_available_chats_queue_and_are_assigned_in_arrival_order(api: Api) -> None:
    agent_id, agent = api.agent("ana", available=False)
    tokens = [api.visitor(f"V{i}") for i in range(3)]
    rooms = [api.room(t) for t in tokens]
    assert [r["status"] for r in rooms] == ["queued"] * 3
    first_ws = api.visitor_socket(tokens[2], rooms[2]["_id"])
    assert first_ws.until("queue")["position"] == 3
    queued = api.ok(api.get("livechat/inquiries.queued", agent))["inquiries"]
    assert [q["rid"] for q in queued] == [r["_id"] for r in rooms]

    api.ok(api.post("settings/Livechat_max_chats_per_agent", {"value": 2}, api.admin))
    api.set_status(agent, "available")
    assert [served_by(api, t) for t in tokens] == [agent_id, agent_id, None]  # FIFO, capacity 2
    assert first_ws.until("queue")["position"] == 1  # the last one moved up
    api.ok(api.post("livechat/room.closeByUser", {"rid": rooms[0]["_id"]}, agent))
    assert served_by(api, tokens[2]) == agent_id  # a freed slot takes the next in line
    first_ws.close()


def test_unavailable_agents_get_no_new_chats(api: Api) -> None:
    ana, ana_auth = api.agent("ana")
    bia, _ = api.agent("bia")
    api.set_status(ana_auth, "not-available")
    assert {served_by(api, api.visitor(f"V{i}")) for i in range(3)} == {bia}
    api.set_status(ana_auth, "available")
    owners = Counter(served_by(api, api.visitor(f"W{i}")) for i in range(2))
    assert owners[ana] >= 1  # back in the rotation at once


def test_an_agent_takes_a_queued_chat_and_a_second_take_fails(api: Api) -> None:
    _, ana = api.agent("ana", available=False)
    _, bia = api.agent("bia", available=False)
    rid = api.room(api.visitor())["_id"]
    taken = api.ok(api.post("livechat/inquiries.take", {"inquiryId": rid}, ana))
    assert taken["room"]["status"] == "taken"
    again = api.post("livechat/inquiries.take", {"inquiryId": rid}, bia)
    assert again.status_code == 400 and again.json()["errorType"] == "error-not-queued"
    assert api.ok(api.get("livechat/inquiries.queued", bia))["inquiries"] == []


def test_take_respects_department_membership(api: Api) -> None:
    outsider_id, outsider = api.agent("out", available=False)
    member_id, _ = api.agent("in", available=False)
    sales = api.department("Sales", [member_id])
    api.department("Support", [])
    rid = api.room(api.visitor(department=sales))["_id"]
    assert api.ok(api.get("livechat/inquiries.queued", outsider))["inquiries"] == []
    refused = api.post("livechat/inquiries.take", {"inquiryId": rid}, outsider)
    assert refused.status_code == 400 and refused.json()["errorType"] == "error-not-in-department"


def test_forward_to_another_agent_moves_the_chat_and_tells_both(api: Api) -> None:
    ana_id, ana = api.agent("ana")
    token = api.visitor()
    rid = api.room(token)["_id"]
    bia_id, bia = api.agent("bia")
    bia_ws = api.agent_socket(bia)
    api.ok(api.post("livechat/room.forward", {"roomId": rid, "userId": bia_id}, ana))
    # the new agent receives the chat from its start: the first assignment, then its own
    assignments = bia_ws.frames(2, kinds=("agent",))
    assert [a["agent"]["_id"] for a in assignments] == [ana_id, bia_id]
    assert served_by(api, token) == bia_id
    refused = api.post("chat.sendMessage", {"message": {"rid": rid, "msg": "still mine?"}}, ana)
    assert refused.status_code == 403
    api.answer(bia, rid, "I'll take it from here")
    agents = {a["_id"]: a["livechatCount"] for a in api.ok(api.get("livechat/users/agent", api.admin))["users"]}
    assert agents[ana_id] == 0 and agents[bia_id] == 1
    bia_ws.close()


def test_forward_to_a_department_routes_to_its_agent(api: Api) -> None:
    _, ana = api.agent("ana")
    token = api.visitor()
    rid = api.room(token)["_id"]
    bia_id, _ = api.agent("bia")
    billing = api.department("Billing", [bia_id])
    api.ok(api.post("livechat/room.forward", {"roomId": rid, "departmentId": billing}, ana))
    room = api.room(token)
    assert room["servedBy"]["_id"] == bia_id and room["departmentId"] == billing


def test_a_department_requiring_tags_refuses_a_close_without_them(api: Api) -> None:
    agent_id, agent = api.agent("ana")
    api.department("Sales", [agent_id], requestTagBeforeClosingChat=True, chatClosingTags=["won", "lost"])
    rid = api.room(api.visitor())["_id"]
    refused = api.post("livechat/room.closeByUser", {"rid": rid}, agent)
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "error-tags-must-be-assigned-before-closing-chat"
    api.ok(api.post("livechat/room.closeByUser", {"rid": rid, "tags": ["won"]}, agent))


def test_a_plain_agent_sees_whom_it_can_transfer_to(api: Api) -> None:
    _, ana = api.agent("ana")
    bia_id, _ = api.agent("bia", available=False)
    sales = api.department("Sales", [bia_id])
    targets = api.ok(api.get("livechat/transfer.targets", ana))
    assert {a["username"]: a["statusLivechat"] for a in targets["agents"]}["bia"] == "not-available"
    assert "ana" not in {a["username"] for a in targets["agents"]}
    assert targets["departments"] == [{"_id": sales, "name": "Sales"}]
    assert api.get("livechat/transfer.targets").status_code == 401
