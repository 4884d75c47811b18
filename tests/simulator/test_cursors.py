from __future__ import annotations

import base64
import json

import pytest

from tap_mixmax.simulator.cursors import (
    RANK_DATE,
    RANK_NUMBER,
    RANK_UNDEFINED,
    CursorError,
    decode,
    doc_key,
    encode,
)
from tap_mixmax.simulator.endpoints import clamp_limit, js_parse_int


def raw(token: str) -> object:
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def test_readme_example_cursor_round_trips() -> None:
    token = "eyIkb2lkIjoiNTgwZmQxNmFjYTJhNmIyNzE1NjJkOGJhIn0"
    assert encode(("580fd16aca2a6b271562d8ba",)) == token
    assert decode(token, tuple_key=False) == ("580fd16aca2a6b271562d8ba",)


def test_tuple_cursors_encode_numbers_dates_and_string_ids() -> None:
    msg = doc_key({"_id": "lAh7abcdefghijkmn", "created": 1478280000000}, "created", "number")
    assert msg == (RANK_NUMBER, 1478280000000, "lAh7abcdefghijkmn")
    assert raw(encode(msg)) == [1478280000000, "lAh7abcdefghijkmn"]
    team = doc_key(
        {"_id": "5sptabcdefghijkmn", "createdAt": "2016-10-30T19:32:35.000Z"}, "createdAt", "date"
    )
    assert raw(encode(team)) == [{"$date": "2016-10-30T19:32:35Z"}, "5sptabcdefghijkmn"]
    with_ms = doc_key(
        {"_id": "x" * 17, "createdAt": "2016-10-30T19:32:35.120Z"}, "createdAt", "date"
    )
    assert raw(encode(with_ms)) == [{"$date": "2016-10-30T19:32:35.120Z"}, "x" * 17]
    assert decode(encode(team), tuple_key=True) == team
    assert team[0] == RANK_DATE


def test_missing_value_uses_the_library_marker() -> None:
    key = doc_key({"_id": "580fd16aca2a6b271562d8ba"}, "created", "number")
    assert key[0] == RANK_UNDEFINED
    assert raw(encode(key)) == ["__mixmax__undefined__", {"$oid": "580fd16aca2a6b271562d8ba"}]
    assert decode(encode(key), tuple_key=True) == key


def test_cursor_alphabet_is_url_safe_and_unpadded() -> None:
    token = encode((RANK_NUMBER, 10**12 + 7, "??>>??>>??>>??>>?"))
    assert "=" not in token
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize(
    ("token", "tuple_key"),
    [
        ("!!!", False),
        ("bm90IGpzb24", False),
        ("WzEsMiwzXQ", True),
        ("eyIkb2lkIjoiNTgwZmQxNmFjYTJhNmIyNzE1NjJkOGJhIn0", True),
    ],
)
def test_bad_cursors_raise(token: str, tuple_key: bool) -> None:
    with pytest.raises(CursorError):
        decode(token, tuple_key=tuple_key)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10", 10),
        ("10x", 10),
        (" 7", 7),
        ("-5", -5),
        ("3.9", 3),
        ("0x10", 0),  # radix 10, as the library calls it
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_js_parse_int(text: str | None, value: int | None) -> None:
    assert js_parse_int(text) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, 50), ("abc", 50), ("0", 1), ("-3", 1), ("1000", 300), ("300", 300), ("12x", 12)],
)
def test_clamp_limit(text: str | None, expected: int) -> None:
    assert clamp_limit(text, 300) == expected


def test_an_endpoint_capped_lower_defaults_to_its_cap() -> None:
    assert clamp_limit(None, 100) == 100
    assert clamp_limit("abc", 100) == 100
    assert clamp_limit("30", 100) == 30
