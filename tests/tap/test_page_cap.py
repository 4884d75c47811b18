"""What a short offset page means: the end of a list, a server-side cap, or not yet known."""

from __future__ import annotations

import pytest

from tap_mixmax.pagination import PageCap


@pytest.mark.parametrize(
    ("rows", "asked", "expected"),
    [
        (0, 50, True),  # an empty page always ends the list
        (50, 50, False),  # a full page: more may follow
        (10, 50, True),  # shorter than the smallest possible cap: the end
        (19, 50, True),
        (20, 50, None),  # exactly the floor: a cap of 20 is possible, so unknown
        (30, 50, None),
    ],
)
def test_a_page_before_any_cap_is_learnt(rows: int, asked: int, expected: bool | None):
    assert PageCap(floor=20).ends_list(rows, asked) is expected


def test_a_learnt_cap_tells_a_capped_page_from_the_last_one():
    learned = PageCap(floor=20)
    learned.cap = 30
    assert learned.ends_list(30, 50) is False  # a page of the cap's size: more may follow
    assert learned.ends_list(25, 50) is True  # shorter than the cap: the end
