"""Behaviours modelled on Mixmax's documented ones: the summaries search envelope (search() or
find()), the recipients page cap, retired endpoints (404 or 410), the live feed's search query
and its ``stats`` block."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sim_helpers import ADA, BOB, Client, oid, seed_doc, user, users_only

from tap_mixmax.simulator import Simulator
from tap_mixmax.simulator.endpoints import MSG_GONE, MSG_NOT_FOUND

SEARCH = "/meetings/summaries/search"


def summaries_sim(make_sim: Callable[..., Simulator], count: int, **kwargs: Any) -> Simulator:
    data = users_only()
    ada = user(data, ADA).user_id
    data.collections["meetings/summaries"] = [
        seed_doc({"_id": oid(n), "title": f"meeting {n}"}, ada) for n in range(1, count + 1)
    ]
    return make_sim(data, **kwargs)


def decode(cursor: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


def test_search_envelope_is_results_and_next_only_on_a_full_page(
    make_sim: Callable[..., Simulator],
) -> None:
    c = Client(summaries_sim(make_sim, 5))
    first = c.get(SEARCH, limit=2).json()
    assert list(first) == ["results", "next"]  # no hasNext, no previous, no hasPrevious
    assert [r["_id"] for r in first["results"]] == [oid(5), oid(4)]
    assert all(isinstance(r["score"], float) for r in first["results"])
    assert decode(first["next"]) == [first["results"][-1]["score"], {"$oid": oid(4)}]
    second = c.get(SEARCH, limit=2, next=first["next"]).json()
    assert [r["_id"] for r in second["results"]] == [oid(3), oid(2)]
    last = c.get(SEARCH, limit=2, next=second["next"]).json()
    assert list(last) == ["results"]  # a short page ends the walk
    assert [r["_id"] for r in last["results"]] == [oid(1)]
    # A page that happens to be full still carries next; the following one is empty.
    full = c.get(SEARCH, limit=5).json()
    assert "next" in full
    assert c.get(SEARCH, limit=5, next=full["next"]).json() == {"results": []}
    # search() defaults limit to its maximum (300), not find()'s 50.
    assert len(c.get(SEARCH).json()["results"]) == 5
    assert c.get(SEARCH, next="not-a-cursor").status_code == 400
    c.close()


def test_search_ignores_previous_and_keeps_id_with_fields(
    make_sim: Callable[..., Simulator],
) -> None:
    c = Client(summaries_sim(make_sim, 3))
    first = c.get(SEARCH, limit=1).json()
    same = c.get(SEARCH, limit=1, previous=first["next"]).json()
    assert same == first
    projected = c.get(SEARCH, fields="title").json()["results"]
    assert all(set(r) == {"_id", "title", "score"} for r in projected)
    c.close()


def test_find_envelope_is_switchable_by_constructor_method_and_admin(
    make_sim: Callable[..., Simulator],
) -> None:
    sim = summaries_sim(make_sim, 3, search_envelope="find")
    c = Client(sim)
    page = c.get(SEARCH, limit=2).json()
    assert list(page) == ["results", "previous", "hasPrevious", "next", "hasNext"]
    assert page["hasNext"] is True
    assert "score" not in page["results"][0]
    assert [r["_id"] for r in c.walk_next(SEARCH, 2)] == [oid(3), oid(2), oid(1)]
    sim.set_search_envelope("search")
    assert "hasNext" not in c.get(SEARCH, limit=2).json()
    assert c.admin("search-envelope", {"envelope": "find"}).status_code == 200
    assert c.get(SEARCH, limit=2).json()["hasNext"] is True
    assert c.admin("search-envelope", {"envelope": "other"}).status_code == 400
    with pytest.raises(ValueError, match="search envelope"):
        sim.set_search_envelope("other")  # type: ignore[arg-type]
    c.close()


def recipients_sim(make_sim: Callable[..., Simulator], count: int, **kwargs: Any) -> Simulator:
    data = users_only()
    ada = user(data, ADA).user_id
    data.collections["sequences"] = [seed_doc({"_id": oid(1), "name": "s"}, ada)]
    data.collections["sequences/recipients"] = [
        seed_doc({"_id": oid(n), "email": f"r{n}@x.io"}, ada, parent_id=oid(1))
        for n in range(2, count + 2)
    ]
    return make_sim(data, **kwargs)


@pytest.mark.parametrize("cap", [50, 300])
def test_recipients_page_cap_is_settable(make_sim: Callable[..., Simulator], cap: int) -> None:
    """One version of Mixmax's docs caps the recipients limit at 50, the library at 300: a
    larger limit is lowered to the cap silently, and the default page is 50 either way."""
    sim = recipients_sim(make_sim, 400, max_limits={"/sequences/{id}/recipients": cap})
    c = Client(sim)
    url = f"/sequences/{oid(1)}/recipients"
    assert len(c.get(url, limit=300).json()) == cap
    assert len(c.get(url).json()) == 50
    assert len(c.get(url, limit=cap, offset=400 - 10).json()) == 10
    rows: list[dict[str, Any]] = []
    while page := c.get(url, limit=cap, offset=len(rows)).json():
        rows += page
    assert [r["_id"] for r in rows] == [
        r["_id"] for r in sim.visible("sequences/recipients", ADA, oid(1))
    ]
    c.close()


def test_recipients_cap_by_method_and_admin(make_sim: Callable[..., Simulator]) -> None:
    sim = recipients_sim(make_sim, 120)
    c = Client(sim)
    url = f"/sequences/{oid(1)}/recipients"
    assert len(c.get(url, limit=300).json()) == 50  # the documented maximum, by default
    sim.set_max_limit("sequences/recipients", 300)
    assert len(c.get(url, limit=300).json()) == 120
    assert c.admin("max-limit", {"route": "/sequences/recipients", "limit": 30}).status_code == 200
    assert len(c.get(url, limit=300).json()) == 30
    assert c.admin("max-limit", {"route": "/sequences/recipients", "limit": 0}).status_code == 400
    assert c.admin("max-limit", {"route": "/nope", "limit": 5}).status_code == 404
    c.close()


@pytest.mark.parametrize(("status", "message"), [(404, MSG_NOT_FOUND), (410, MSG_GONE)])
def test_retired_endpoints_answer_404_or_410(client: Client, status: int, message: str) -> None:
    contact = client.sim.visible("contacts", ADA)[0]["_id"]
    client.sim.retire("/contacts", status)
    for path in ("/contacts", f"/contacts/{contact}", f"/contacts/{contact}/notes"):
        resp = client.get(path)
        assert resp.status_code == status, path
        assert resp.json() == {"message": message}
    assert client.get("/contactgroups").status_code == 200  # segment-wise prefix
    assert client.get("/contacts", None).status_code == 401  # auth still comes first
    client.sim.retire("/contacts", None)
    assert client.get("/contacts").status_code == 200


def test_retire_by_admin_route(client: Client) -> None:
    assert (
        client.admin("retire", {"path_prefix": "/contactgroups", "status": 410}).status_code == 200
    )
    assert client.get("/contactgroups").status_code == 410
    assert (
        client.admin("retire", {"path_prefix": "/contactgroups", "restore": True}).status_code
        == 200
    )
    assert client.get("/contactgroups").status_code == 200
    assert client.admin("retire", {"path_prefix": "/x", "status": 500}).status_code == 400


# -- live feed -------------------------------------------------------------------------------


def feed_sim(make_sim: Callable[..., Simulator]) -> tuple[Simulator, dict[str, str]]:
    """ada and bob share a team. ada's rows: "a-old" (team feed, opened and clicked) and
    "a-new" (private); bob's: "b-team" (team feed, bounced) and "b-priv" (private)."""
    data = users_only()
    ada, bob = user(data, ADA), user(data, BOB)
    day = 86_400_000
    t0 = int(datetime(2026, 3, 10, tzinfo=UTC).timestamp() * 1000)

    def row(rid: str, owner: Any, sent: int, *, team: int, subject: str, to: str) -> Any:
        return seed_doc(
            {
                "_id": rid,
                "userId": owner.user_id,
                "fromEmail": owner.email,
                "subject": subject,
                "sent": sent,
                "recipients": [{"name": "", "email": to}],
                "includeInTeamLiveFeed": team,
            },
            owner.user_id,
        )

    ids = {k: k.ljust(17, "x") for k in ("a-old", "a-new", "b-team", "b-priv")}
    data.collections["livefeed"] = [
        row(ids["a-old"], ada, t0, team=1, subject="Pricing intro", to="eve@acme.com"),
        row(ids["a-new"], ada, t0 + 3 * day, team=0, subject="Renewal", to="kim@globex.io"),
        row(ids["b-team"], bob, t0 + day, team=1, subject="Pricing follow up", to="lee@acme.com"),
        row(ids["b-priv"], bob, t0 + 2 * day, team=0, subject="Private", to="max@acme.com"),
    ]
    data.collections["livefeed/events"] = [
        seed_doc(
            {"_id": oid(1), "type": "opened", "timestamp": t0 + 5},
            ada.user_id,
            parent_id=ids["a-old"],
        ),
        seed_doc(
            {"_id": oid(2), "type": "clicked", "timestamp": t0 + 6},
            ada.user_id,
            parent_id=ids["a-old"],
        ),
        seed_doc(
            {"_id": oid(3), "type": "bounced", "timestamp": t0 + day + 5},
            bob.user_id,
            parent_id=ids["b-team"],
        ),
    ]
    data.collections["teams"] = [
        seed_doc(
            {"_id": "T" * 17, "name": "Sales", "createdAt": "2026-01-01T00:00:00.000Z"},
            ada.user_id,
            bob.user_id,
        )
    ]
    return make_sim(data, clock=lambda: (t0 + 3 * day + 3_600_000) / 1000), ids


def feed(c: Client, token: str = ADA, **params: Any) -> list[str]:
    return [r["_id"][:6] for r in c.walk_next("/livefeed", 2, token=token, **params)]


def test_livefeed_scope_from_me_and_from_everyone(make_sim: Callable[..., Simulator]) -> None:
    sim, ids = feed_sim(make_sim)
    c = Client(sim)
    assert feed(c) == ["a-newx", "a-oldx"]  # the default is the caller's own messages
    assert feed(c, query="from:me") == feed(c, query="from:myself") == feed(c)
    assert feed(c, query="from:everyone") == ["a-newx", "b-team", "a-oldx"]
    assert feed(c, BOB, query="from:everyone") == ["b-priv", "b-team", "a-oldx"]
    bob_email = sim.visible("users/me", BOB)[0]["email"]
    assert feed(c, query=f"from:{bob_email}") == ["b-team"]
    assert feed(c, query="from:sales") == ["a-newx", "b-team", "a-oldx"]
    # events of a teammate's team-feed message are readable; of a private one, not
    assert c.get("/livefeed/events", messageId=ids["b-team"]).status_code == 200
    assert c.get("/livefeed/events", messageId=ids["b-priv"]).status_code == 404
    c.close()


def test_livefeed_query_operators(make_sim: Callable[..., Simulator]) -> None:
    sim, _ = feed_sim(make_sim)
    c = Client(sim)
    assert feed(c, query="from:everyone to:acme.com") == ["b-team", "a-oldx"]
    assert feed(c, query="from:everyone to:eve@acme.com") == ["a-oldx"]
    assert feed(c, query='from:everyone subject:"pricing follow"') == ["b-team"]
    assert feed(c, query="from:everyone pricing") == ["b-team", "a-oldx"]
    assert feed(c, query="from:everyone sent:03/10/2026-03/11/2026") == ["b-team", "a-oldx"]
    assert feed(c, query="from:everyone sent:03/11/2026") == ["b-team"]
    assert feed(c, query="sent:today") == ["a-newx"]  # by the simulator's clock
    assert feed(c, query="from:everyone sent:yesterday") == []
    assert feed(c, query="from:everyone is:opened") == ["a-oldx"]
    assert feed(c, query="from:everyone is:bounced") == ["b-team"]
    for bad in ("rsvp:yes", "is:internal", 'subject:"open', "sent:2026-03-10", "from:"):
        resp = c.get("/livefeed", query=bad)
        assert resp.status_code == 400, bad
        assert set(resp.json()) == {"message"}
    c.close()


def test_livefeed_stats_block(make_sim: Callable[..., Simulator]) -> None:
    sim, _ = feed_sim(make_sim)
    c = Client(sim)
    plain = c.get("/livefeed", limit=1).json()
    assert "stats" not in plain
    page = c.get("/livefeed", limit=1, stats="true", query="from:everyone").json()
    assert list(page)[-1] == "stats"
    assert len(page["results"]) == 1  # stats count the whole match, not the page
    stats = page["stats"]
    assert {k: stats[k] for k in ("sent", "recipients", "opened", "clicked", "bounced")} == {
        "sent": 3,
        "recipients": 3,
        "opened": 1,
        "clicked": 1,
        "bounced": 1,
    }
    assert stats["delivered"] == 2
    assert stats["percentages"]["opened"] == 33.3
    assert {"unsubscribed", "tasksCompleted"} <= set(stats["percentages"])
    mine = c.get("/livefeed", stats="true").json()["stats"]
    assert (mine["sent"], mine["bounced"]) == (2, 0)
    # a new event changes the stats of the next request
    sim.insert(
        "livefeed/events",
        {"type": "replied", "timestamp": 1},
        parent_id=sim.visible("livefeed", ADA)[0]["_id"],
    )
    assert c.get("/livefeed", stats="true").json()["stats"]["replied"] == 1
    c.close()


def test_seeded_team_feed_differs_from_own_feed(client: Client) -> None:
    """The generated data has teammates, so from:everyone shows more than from:me."""
    mine = {r["_id"] for r in client.walk_next("/livefeed", 300)}
    team = {r["_id"] for r in client.walk_next("/livefeed", 300, query="from:everyone")}
    assert mine < team
    bob_rows = {r["_id"] for r in client.sim.visible("livefeed", BOB)}
    assert team - mine <= bob_rows
