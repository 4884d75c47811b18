"""The little the tap reads from inside cursors, against the documented cursor format."""

from __future__ import annotations

from tap_mixmax.cursors import decode_cursor, is_after, rewind

# The catalog's README example: ObjectId 580fd16aca2a6b271562d8ba.
README_CURSOR = "eyIkb2lkIjoiNTgwZmQxNmFjYTJhNmIyNzE1NjJkOGJhIn0"


def test_decodes_the_documented_example():
    assert decode_cursor(README_CURSOR) == {"$oid": "580fd16aca2a6b271562d8ba"}
    assert decode_cursor("not a cursor!") is None


def test_rewind_moves_the_seconds_back_and_keeps_the_format():
    earlier = rewind(README_CURSOR, 16)
    assert earlier is not None
    assert "=" not in earlier
    assert decode_cursor(earlier) == {"$oid": f"{0x580FD16A - 16:08x}0000000000000000"}
    tuple_cursor = "WzE0NzgyODAwMDAwMDAsImxBaDd4eHh4eHh4eHh4eHh4Il0"  # [ms, "17-char id"]
    assert rewind(tuple_cursor, 16) is None


def test_the_bookmark_never_moves_backwards_between_object_ids():
    earlier = rewind(README_CURSOR, 1)
    assert earlier is not None
    assert not is_after(earlier, README_CURSOR)
    assert is_after(README_CURSOR, earlier)
    assert is_after(README_CURSOR, None)  # no bookmark yet
