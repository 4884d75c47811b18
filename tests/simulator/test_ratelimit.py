"""Rate-limit headers on every response, 429 with Retry-After, windows, and switching off."""

from __future__ import annotations

from collections.abc import Callable

from sim_helpers import ADA, BOB, Client, users_only

from tap_mixmax.simulator import RateLimit, Simulator


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.25) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_headers_on_every_response_and_429(make_sim: Callable[..., Simulator]) -> None:
    clock = FakeClock()
    sim = make_sim(users_only(), rate_limit=RateLimit(limit=3, window=2.0), clock=clock)
    c = Client(sim)
    reset = "1800000003"  # 1_800_000_000.25 + 2 s, rounded up
    statuses = [c.get(p).status_code for p in ("/users/me", "/nope", "/sequences")]
    assert statuses == [200, 404, 200]
    over = c.get("/users/me")
    assert over.status_code == 429
    assert set(over.json()) == {"message"}
    assert over.headers["Retry-After"] == "2"
    assert over.headers["X-RateLimit-Remaining"] == "0"
    assert over.headers["X-RateLimit-Reset"] == reset
    assert over.headers["X-RateLimit-Limit"] == "3"
    # another token has its own budget; a bad token still gets headers on its 401
    assert c.get("/users/me", BOB).headers["X-RateLimit-Remaining"] == "2"
    unauth = c.get("/users/me", "bad-token")
    assert unauth.status_code == 401
    assert unauth.headers["X-RateLimit-Remaining"] == "2"
    # rejected requests do not count: after the window, the full budget is back
    clock.now += 1.0
    assert c.get("/users/me").status_code == 429
    assert c.get("/users/me").headers["Retry-After"] == "1"
    clock.now += 1.0
    fresh = c.get("/users/me")
    assert fresh.status_code == 200
    assert fresh.headers["X-RateLimit-Remaining"] == "2"
    assert fresh.headers["X-RateLimit-Reset"] == "1800000005"
    assert sim.count(status=429) == 3
    c.close()


def test_remaining_counts_down_and_rate_limit_can_be_switched(
    make_sim: Callable[..., Simulator],
) -> None:
    sim = make_sim(users_only(), rate_limit=RateLimit(), clock=FakeClock())
    c = Client(sim)
    remaining = [int(c.get("/users/me").headers["X-RateLimit-Remaining"]) for _ in range(4)]
    assert remaining == [119, 118, 117, 116]
    assert c.get("/users/me").headers["X-RateLimit-Limit"] == "120"
    sim.set_rate_limit(None)
    assert "X-RateLimit-Limit" not in c.get("/users/me").headers
    assert all(c.get("/users/me").status_code == 200 for _ in range(130))
    sim.set_rate_limit(RateLimit(limit=1, window=1.0))
    assert c.get("/users/me", ADA).status_code == 200
    assert c.get("/users/me", ADA).status_code == 429
    c.close()


def test_the_window_rolls_so_a_burst_at_its_edge_is_refused(
    make_sim: Callable[..., Simulator],
) -> None:
    clock = FakeClock()
    sim = make_sim(users_only(), rate_limit=RateLimit(limit=3, window=2.0), clock=clock)
    c = Client(sim)
    assert c.get("/users/me").status_code == 200
    clock.now += 1.9
    assert [c.get("/users/me").status_code for _ in range(3)] == [200, 200, 429]
    clock.now += 0.2  # the first request has left the window; the other two have not
    statuses = [c.get("/users/me").status_code for _ in range(2)]
    assert statuses == [200, 429]
    c.close()


def test_ip_scope_shares_one_budget_across_tokens(make_sim: Callable[..., Simulator]) -> None:
    clock = FakeClock()
    limit = RateLimit(limit=3, window=10.0, scope="ip")
    sim = make_sim(users_only(), rate_limit=limit, clock=clock)
    c = Client(sim)
    assert [c.get("/users/me", t).status_code for t in (ADA, BOB, None)] == [200, 200, 401]
    over = c.get("/users/me", BOB)
    assert over.status_code == 429
    assert over.headers["Retry-After"] == "10"
    assert c.get("/users/me", ADA).status_code == 429  # ada's token is no way round it
    clock.now += 10.0
    assert c.get("/users/me", ADA).status_code == 200
    # per-token scope (the default): each token has its own budget
    sim.set_rate_limit(RateLimit(limit=1, window=10.0))
    assert [c.get("/users/me", t).status_code for t in (ADA, BOB, ADA)] == [200, 200, 429]
    assert c.admin("rate-limit", {"limit": 1, "window": 10, "scope": "ip"}).status_code == 200
    assert [c.get("/users/me", t).status_code for t in (ADA, BOB)] == [200, 429]
    c.close()
