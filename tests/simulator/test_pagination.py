"""Cursor envelopes over HTTP: limits, flags, empty pages, exact multiples, ties, quirks."""

from __future__ import annotations

from collections.abc import Callable

from sim_helpers import ADA, Client, oid, seed_doc, user, users_only

from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.cursors import encode


def sequences_sim(make_sim: Callable[..., Simulator], count: int) -> tuple[Simulator, Client]:
    data = users_only()
    ada = user(data, ADA)
    data.collections["sequences"] = [
        seed_doc({"_id": oid(n), "name": f"s{n}", "userId": ada.user_id}, ada.user_id)
        for n in range(1, count + 1)
    ]
    sim = make_sim(data)
    return sim, Client(sim)


def ids(page: dict[str, object]) -> list[int]:
    return [int(r["_id"][-6:], 16) for r in page["results"]]  # type: ignore[index,union-attr]


def test_default_limit_is_50_and_limit_is_clamped(client: Client) -> None:
    total = len(client.sim.visible("messages", ADA))
    assert total > 100
    assert len(client.get("/livefeed").json()["results"]) == 50
    # /messages sets its own limit of 100: its default and its ceiling.
    assert len(client.get("/messages").json()["results"]) == 100
    assert len(client.get("/messages", limit=1000).json()["results"]) == 100  # seeded cap
    assert len(client.get("/livefeed", limit=1000).json()["results"]) == min(
        300, len(client.sim.visible("livefeed", ADA))
    )
    assert len(client.get("/messages", limit=0).json()["results"]) == 1
    assert len(client.get("/messages", limit="7x").json()["results"]) == 7
    assert len(client.get("/messages", limit="lots").json()["results"]) == 100
    assert len(client.get("/messages", limit="0x10").json()["results"]) == 1
    client.sim.set_max_limit("/messages", 20)
    assert len(client.get("/messages", limit=50).json()["results"]) == 20


def test_worked_trace_from_the_reference(make_sim: Callable[..., Simulator]) -> None:
    sim, c = sequences_sim(make_sim, 8)
    p1 = c.get("/sequences", limit=3).json()
    assert list(p1) == ["results", "previous", "hasPrevious", "next", "hasNext"]
    assert (ids(p1), p1["hasPrevious"], p1["hasNext"]) == ([8, 7, 6], False, True)
    p2 = c.get("/sequences", limit=3, next=p1["next"]).json()
    assert (ids(p2), p2["hasPrevious"], p2["hasNext"]) == ([5, 4, 3], True, True)
    p3 = c.get("/sequences", limit=3, next=p2["next"]).json()
    assert (ids(p3), p3["hasPrevious"], p3["hasNext"]) == ([2, 1], True, False)
    ada = user(users_only(), ADA).user_id
    for n in range(9, 13):
        sim.insert("sequences", {"_id": oid(n), "name": f"s{n}", "userId": ada})
    q1 = c.get("/sequences", limit=3, previous=p1["previous"]).json()
    assert (ids(q1), q1["hasPrevious"], q1["hasNext"]) == ([11, 10, 9], True, True)
    q2 = c.get("/sequences", limit=3, previous=q1["previous"]).json()
    assert (ids(q2), q2["hasPrevious"]) == ([12], False)
    empty = c.get("/sequences", limit=3, previous=q2["previous"]).json()
    assert empty == {"results": [], "hasPrevious": False, "hasNext": True}
    back = c.get("/sequences", limit=3, previous=p3["previous"]).json()
    assert ids(back) == [5, 4, 3]
    c.close()


def test_exact_multiple_needs_no_trailing_empty_page(make_sim: Callable[..., Simulator]) -> None:
    sim, c = sequences_sim(make_sim, 6)
    p1 = c.get("/sequences", limit=3).json()
    p2 = c.get("/sequences", limit=3, next=p1["next"]).json()
    assert ids(p2) == [3, 2, 1]
    assert p2["hasNext"] is False
    assert sim.count("/sequences") == 2
    c.close()


def test_empty_collection_and_beyond_the_end(make_sim: Callable[..., Simulator]) -> None:
    _sim, c = sequences_sim(make_sim, 0)
    assert c.get("/sequences").json() == {"results": [], "hasPrevious": False, "hasNext": False}
    beyond = c.get("/sequences", next=encode((oid(1),))).json()
    assert beyond == {"results": [], "hasPrevious": True, "hasNext": False}
    c.close()


def test_both_cursors_take_value_from_next_and_direction_from_previous(
    make_sim: Callable[..., Simulator],
) -> None:
    _sim, c = sequences_sim(make_sim, 8)
    page = c.get("/sequences", limit=2, next=encode((oid(3),)), previous=encode((oid(6),))).json()
    assert ids(page) == [5, 4]  # previous-style page anchored at 3
    assert page["hasNext"] is True
    c.close()


def test_cursor_survives_deletion_and_updates_do_not_move(
    make_sim: Callable[..., Simulator],
) -> None:
    sim, c = sequences_sim(make_sim, 6)
    p1 = c.get("/sequences", limit=3).json()
    sim.delete("sequences", oid(4))
    sim.update("sequences", oid(5), {"name": "renamed"})
    p2 = c.get("/sequences", limit=3, next=p1["next"]).json()
    assert ids(p2) == [3, 2, 1]
    again = c.get("/sequences", limit=3).json()
    assert ids(again) == [6, 5, 3]
    assert again["results"][1]["name"] == "renamed"
    c.close()


def test_tuple_cursor_pages_through_ties(make_sim: Callable[..., Simulator]) -> None:
    data = users_only()
    ada = user(data, ADA).user_id
    # 12 messages, 4 distinct created values: every page boundary falls inside a tie.
    docs = [
        {"_id": f"m{n:016d}", "created": 1_700_000_000_000 + (n // 3) * 1000, "subject": str(n)}
        for n in range(12)
    ]
    data.collections["messages"] = [seed_doc(d, ada) for d in docs]
    sim = make_sim(data)
    c = Client(sim)
    expected = [
        d["_id"] for d in sorted(docs, key=lambda d: (d["created"], d["_id"]), reverse=True)
    ]
    for limit in (1, 2, 4, 5):
        walked = [r["_id"] for r in c.walk_next("/messages", limit)]
        assert walked == expected
    first = c.get("/messages", limit=2).json()
    assert first["next"] != first["previous"]
    # walk backwards from the oldest page with previous
    last_page = c.get("/messages", limit=5, next=c.get("/messages", limit=7).json()["next"]).json()
    got = [r["_id"] for r in last_page["results"]]
    cur = last_page["previous"]
    while True:
        page = c.get("/messages", limit=2, previous=cur).json()
        if not page["results"]:
            break
        got = [r["_id"] for r in page["results"]] + got
        cur = page["previous"]
        if not page["hasPrevious"]:
            break
    assert got == expected
    c.close()


def test_tuple_cursor_works_with_fields_that_omit_id_and_sort_field(client: Client) -> None:
    expected = [m["subject"] for m in client.sim.visible("messages", ADA)]
    rows = client.walk_next("/messages", 40, fields="subject")
    assert [r["subject"] for r in rows] == expected
    assert all(set(r) == {"subject"} for r in rows)


def test_bad_cursor_is_400_json(client: Client) -> None:
    for value in ("%%%", "bm90IGpzb24", encode((1, 5, "abc"))):
        resp = client.get("/sequences", next=value)
        assert resp.status_code == 400
        assert "message" in resp.json()
    bad_tuple = client.get("/messages", previous=encode(("580fd16aca2a6b271562d8ba",)))
    assert bad_tuple.status_code == 400
    assert client.get("/sequences", next="").status_code == 200  # empty = absent
