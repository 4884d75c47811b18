"""Mutations (Python and admin HTTP), the admin routes' guards, the request log (bounded,
redacted), hooks, id generation, reproducibility."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from sim_helpers import ADA, BOB, Client, oid

from tap_mixmax.simulator import LoggedRequest, Simulator
from tap_mixmax.simulator.undeclared import NESTED, TOP


def test_generated_ids_increase_with_the_clock(sim: Simulator) -> None:
    made = [sim.insert("sequences")["_id"] for _ in range(5)]
    assert made == sorted(made)
    assert len(set(made)) == 5
    assert all(len(i) == 24 for i in made)
    newest = sim.visible("sequences", ADA)[0]["_id"]
    assert newest == made[-1]


def test_explicit_id_reproduces_skew(client: Client) -> None:
    first = client.get("/sequences", limit=1).json()
    late = client.sim.insert("sequences", _id=oid(5))  # far below the bookmark
    poll = client.get("/sequences", previous=first["previous"]).json()
    assert late["_id"] not in [r["_id"] for r in poll["results"]]
    assert late["_id"] in [r["_id"] for r in client.walk_next("/sequences", 300)]


def test_insert_child_and_owner(client: Client) -> None:
    rule = client.sim.visible("rules", ADA)[0]["_id"]
    action = client.sim.insert("rules/actions", parent_id=rule)
    assert client.get(f"/rules/{rule}/actions").json()["results"][0]["_id"] == action["_id"]
    with pytest.raises(KeyError):
        client.sim.insert("rules/actions", parent_id=oid(1))
    mine = client.sim.insert("sequences", token=BOB)
    assert client.get(f"/sequences/{mine['_id']}", BOB).status_code == 200
    assert client.get(f"/sequences/{mine['_id']}", ADA).status_code == 404


def test_message_insert_and_update_of_sort_key_moves_it(client: Client) -> None:
    msg = client.sim.insert("messages")
    assert client.get("/messages", limit=1).json()["results"][0]["_id"] == msg["_id"]
    client.sim.update("messages", msg["_id"], {"created": 1})
    assert client.walk_next("/messages", 100)[-1]["_id"] == msg["_id"]


def test_admin_routes(client: Client) -> None:
    made = client.admin("insert", {"collection": "sequences", "doc": {"name": "via admin"}}).json()
    assert made["name"] == "via admin"
    assert client.get("/sequences", limit=1).json()["results"][0]["_id"] == made["_id"]
    upd = client.admin(
        "update", {"collection": "sequences", "_id": made["_id"], "changes": {"name": "x"}}
    )
    assert upd.json()["name"] == "x"
    assert (
        client.admin("delete", {"collection": "sequences", "_id": made["_id"]}).status_code == 200
    )
    assert client.get(f"/sequences/{made['_id']}").status_code == 404
    assert (
        client.admin("delete", {"collection": "sequences", "_id": made["_id"]}).status_code == 404
    )
    assert client.admin("insert", {"collection": "nope"}).status_code == 404
    log = client.admin("log").json()
    assert log["count"] == 2
    assert [r["status"] for r in log["requests"]] == [200, 404]
    assert client.admin("reset-log", {}).status_code == 200
    assert client.admin("log").json()["count"] == 0
    assert client.admin("faults", {"path_prefix": "/users", "faults": [503]}).status_code == 200
    assert client.get("/users/me").status_code == 503
    client.admin("rate-limit", {"limit": 1, "window": 30})
    assert client.get("/users/me").status_code == 200
    assert client.get("/users/me").status_code == 429
    client.admin("rate-limit", {"off": True})
    client.admin("feature", {"token": BOB, "feature": "mixmaxApi", "enabled": True})
    assert client.get("/meetings/summaries/search", BOB).status_code == 200
    assert client.admin("nope", {}).status_code == 404


def test_log_counts_and_hooks(client: Client) -> None:
    seen: list[LoggedRequest] = []
    remove = client.sim.after_response(seen.append)
    client.get("/sequences", limit=2, fields="name")
    client.get("/nope")
    client.get("/users/me", BOB)
    assert client.sim.count() == 3
    assert client.sim.count("/sequences") == 1
    assert client.sim.count("/v1/sequences") == 1
    assert client.sim.count(status=404) == 1
    first = client.sim.requests[0]
    assert (first.method, first.path, first.query, first.status) == (
        "GET",
        "/v1/sequences",
        {"limit": "2", "fields": "name"},
        200,
    )
    assert client.sim.requests[2].user_id != first.user_id
    assert seen == client.sim.requests
    remove()
    client.get("/users/me")
    assert len(seen) == 3
    client.sim.clear_log()
    assert client.sim.count() == 0


def test_hook_inserts_between_pages_of_a_sync(client: Client) -> None:
    inserted: list[str] = []

    def between_pages(req: LoggedRequest) -> None:
        if req.path == "/v1/rules" and len(inserted) < 2:
            inserted.append(client.sim.insert("rules")["_id"])

    client.sim.after_response(between_pages)
    first = client.get("/rules", limit=2).json()
    walked = [r["_id"] for r in first["results"]]
    page = first
    while page["hasNext"]:
        page = client.get("/rules", limit=2, next=page["next"]).json()
        walked += [r["_id"] for r in page["results"]]
    client.sim.clear_hooks()
    assert not set(inserted) & set(walked)
    poll = client.get("/rules", limit=300, previous=first["previous"]).json()
    assert [r["_id"] for r in poll["results"]] == inserted[::-1]


def _snapshot(sim: Simulator) -> dict[str, Any]:
    with requests.Session() as s:
        h = {"X-API-Token": ADA}
        return {
            p: s.get(sim.base_url + p, headers=h, timeout=10).json()
            for p in ("/sequences", "/messages", "/users/me", "/teams", "/livefeed")
        }


def fixed_clock() -> float:
    return 1_800_000_000.0


def test_same_seed_same_data_other_seed_other_data() -> None:
    def make(seed: int) -> Simulator:
        return Simulator(seed=seed, scale=0.1, rate_limit=None, clock=fixed_clock)

    with make(3) as a, make(3) as b:
        assert _snapshot(a) == _snapshot(b)
        assert [a.insert("messages") for _ in range(2)] == [b.insert("messages") for _ in range(2)]
    with make(4) as c, make(3) as d:
        assert _snapshot(c) != _snapshot(d)


def test_admin_posts_need_a_json_content_type(client: Client) -> None:
    url = f"{client.sim.root_url}/_admin/insert"
    body = '{"collection": "sequences", "doc": {"name": "from a web page"}}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": content_type} if content_type else {}
        resp = requests.post(url, data=body, headers=headers, timeout=10)
        assert resp.status_code == 415, content_type
        assert set(resp.json()) == {"message"}
    assert all(s["name"] != "from a web page" for s in client.sim.visible("sequences", ADA))
    ok = requests.post(
        url, data=body, headers={"Content-Type": "application/json; charset=utf-8"}, timeout=10
    )
    assert ok.status_code == 200
    assert client.admin("health").status_code == 200  # GET routes take no body


def test_admin_bodies_that_cannot_be_acted_on_are_400(client: Client) -> None:
    url = f"{client.sim.root_url}/_admin/rate-limit"
    headers = {"Content-Type": "application/json"}
    for body in (
        "{",
        "[1]",
        '{"limit": "x", "window": 1}',
        '{"window": 1}',
        '{"limit": 0, "window": 1}',
    ):
        assert requests.post(url, data=body, headers=headers, timeout=10).status_code == 400, body
    assert client.admin("insert", {"collection": 5}).status_code == 400
    assert client.admin("rate-limit", {"limit": 5, "window": 1, "scope": "user"}).status_code == 400


def test_tokens_never_reach_the_request_log(client: Client) -> None:
    client.get("/users/me", via_query=True)
    client.get("/users/me", "sim-token-unknown", via_query=True)
    logged = client.sim.requests
    assert [r.query for r in logged] == [{"apiToken": "[redacted]"}] * 2
    admin_log = client.admin("log").text
    assert ADA not in admin_log
    assert "sim-token-unknown" not in admin_log


def test_the_request_log_is_a_bounded_ring(make_sim: Any) -> None:
    from sim_helpers import users_only  # noqa: PLC0415 - only this test builds its own data

    sim = make_sim(users_only(), log_size=3)
    c = Client(sim)
    for n in range(5):
        c.get("/users/me", limit=n)
    assert [r.query["limit"] for r in sim.requests] == ["2", "3", "4"]
    log = c.admin("log").json()
    assert (log["count"], log["total"], log["size"]) == (3, 5, 3)
    sim.clear_log()
    assert (sim.log.total, len(sim.requests)) == (0, 0)
    with pytest.raises(ValueError, match="log size"):
        Simulator(dataset=users_only(), log_size=0)
    c.close()


@pytest.mark.parametrize(
    "faults",
    [
        [999],
        [200],
        ["html700"],
        ["slow:-1"],
        ["slow:nan"],
        ["slow:inf"],
        ["slow:x"],
        [1.5],
        [True],
        ["explode"],
    ],
)
def test_impossible_faults_are_refused_with_400(client: Client, faults: list[Any]) -> None:
    resp = client.admin("faults", {"path_prefix": "/users", "faults": faults})
    assert resp.status_code == 400, faults
    assert set(resp.json()) == {"message"}
    assert client.get("/users/me").status_code == 200  # nothing was scheduled


def test_impossible_fault_plans_are_refused(client: Client) -> None:
    for body in (
        {"faults": [503], "at": [0]},
        {"faults": [503, 502], "at": [2, 2]},
        {"random": 1.5},
        {"random": 0.5, "kinds": []},
    ):
        assert client.admin("faults", body).status_code == 400, body
    with pytest.raises(ValueError, match="Retry-After"):
        client.sim.faults.burst_429("/", 1, retry_after=-1)


def test_a_non_loopback_host_needs_allow_remote() -> None:
    from sim_helpers import users_only  # noqa: PLC0415 - only these tests build their own data

    with pytest.raises(ValueError, match="not a loopback address"):
        Simulator(dataset=users_only(), host="0.0.0.0").start()  # noqa: S104 - refused
    with pytest.raises(ValueError, match="port"):
        Simulator(dataset=users_only(), port=99999)
    with pytest.raises(ValueError, match="scale"):
        Simulator(scale=-1)


def test_admin_routes_refuse_a_host_that_is_not_this_machine(client: Client) -> None:
    url = f"{client.sim.root_url}/_admin/insert"
    body = '{"collection": "sequences", "doc": {"name": "from a rebinding page"}}'
    headers = {"Content-Type": "application/json", "Host": "attacker.example:8000"}
    resp = requests.post(url, data=body, headers=headers, timeout=10)
    assert resp.status_code == 403
    assert "this machine" in resp.json()["message"]
    assert all(s["name"] != "from a rebinding page" for s in client.sim.visible("sequences", ADA))
    for host in ("localhost:1", "127.0.0.1", "[::1]:80"):
        ok = requests.get(
            f"{client.sim.root_url}/_admin/health", headers={"Host": host}, timeout=10
        )
        assert ok.status_code == 200, host


@pytest.mark.parametrize("path", ["/v1/polls", "/v1/meetings/summaries/search"])
def test_an_absurd_limit_is_a_one_line_400(client: Client, path: str) -> None:
    resp = requests.get(
        f"{client.sim.root_url}{path}",
        params={"limit": "9" * 4300},
        headers={"X-API-Token": ADA},
        timeout=10,
    )
    assert resp.status_code == 400
    assert resp.json() == {
        "message": "a number of 4,300 digits is not a usable page size or offset"
    }
    assert client.get(path.removeprefix("/v1"), limit="9" * 16).status_code == 200


def test_undeclared_fields_mode_reaches_every_collection_and_is_switched_by_admin(
    client: Client,
) -> None:
    sim = client.sim
    assert client.admin("undeclared-fields", {"enabled": True}).status_code == 200
    nested = 0
    for collection in sim.store.specs:
        entries = sim.store.all_entries(collection)
        for entry in entries:
            assert TOP in entry.doc, collection
        nested += sum(
            any(isinstance(v, dict) and NESTED in v for v in e.doc.values()) for e in entries
        )
    assert nested
    listed = client.get("/sequences", limit=5).json()["results"]
    assert all(TOP in row for row in listed)
    assert TOP in sim.insert("sequences")
    assert client.admin("undeclared-fields", {"enabled": False}).status_code == 200
    listed = client.get("/sequences", limit=5).json()["results"]
    assert all(TOP not in row and NESTED not in row.get("shared", {}) for row in listed)
