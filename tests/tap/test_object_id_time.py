"""The creation second inside an ObjectId, which start_date is checked against."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tap_mixmax.cursors import is_after, object_id_time


def test_the_first_eight_hex_digits_are_the_creation_second():
    assert object_id_time("580fd16aca2a6b271562d8ba") == datetime(
        2016, 10, 25, 21, 40, 58, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "value", [None, 5, "", "580fd16a", "580fd16aca2a6b271562d8ba0", "zzzzzzzzca2a6b271562d8ba"]
)
def test_what_is_not_an_object_id_has_no_creation_time(value: Any):
    assert object_id_time(value) is None


def test_cursors_that_hold_no_object_id_never_block_the_bookmark():
    tuple_cursor = "WzE0NzgyODAwMDAwMDAsImxBaDd4eHh4eHh4eHh4eHh4Il0"  # [ms, "17-char id"]
    assert is_after(tuple_cursor, "eyIkb2lkIjoiNTgwZmQxNmFjYTJhNmIyNzE1NjJkOGJhIn0")
    assert is_after("eyIkb2lkIjoiNTgwZmQxNmFjYTJhNmIyNzE1NjJkOGJhIn0", tuple_cursor)
