"""The column naming whose token read a record: in every stream, team run or not.

A Mixmax token sees one user's data, so a warehouse fed by several tokens needs to know
which user's view a row came from. Every schema gets ``_mixmax_user_id`` (the Mixmax user
``_id`` from ``/users/me``); it is not part of any primary key, so an object several users
can see (a shared sequence, a team) stays one row per key in an upserting target, and the
column then names the reader whose record of it the target wrote last.
"""

from __future__ import annotations

from typing import Any

from singer_sdk import SchemaDirectory

from tap_mixmax.state_owner import claim_state, state_owner

USER_COLUMN = "_mixmax_user_id"

USER_COLUMN_SCHEMA: dict[str, Any] = {
    "type": ["string", "null"],
    "description": "Mixmax user id (from /users/me) of the API token that read this record.",
}


class SchemasWithUserColumn(SchemaDirectory):
    """The stream schemas of ``schemas/``, each with the user column added."""

    def fetch_schema(self, key: str) -> dict[str, Any]:
        schema: dict[str, Any] = super().fetch_schema(key)
        properties = schema.setdefault("properties", {})
        properties.setdefault(USER_COLUMN, dict(USER_COLUMN_SCHEMA))
        return schema


def reader_id(stream: Any, row: dict[str, Any]) -> str | None:  # noqa: ANN401 - a MixmaxStream
    """The user id for ``row``'s column: set by a team run, else learned once per run.

    A ``current_user`` record is the user itself; any other first record has the
    ``current_user`` stream ask ``/users/me`` once, through its paced and retried request
    path, so the request is counted there and not in the asking stream's figures. The
    user learnt is recorded in the run's state (``state_owner``).
    """
    connection = stream.connection
    if connection.user_id is None:
        if stream.name == "current_user" and isinstance(row.get("_id"), str):
            connection.user_id = row["_id"]
        else:
            # "" once asked and not told: asked once a run, never once a record.
            connection.user_id = ask_user_id(current_user_stream(stream)) or ""
        if connection.user_id:
            claim_state(stream.tap_state, connection.user_id)
    return connection.user_id or None


def check_state_owner(stream: Any) -> None:  # noqa: ANN401 - a MixmaxStream
    """Refuse a state another user's run wrote, before the first stream reads it.

    Only a state that names its user costs a request, once a run; the answer is kept
    for the user column and for the ``current_user`` stream, so it is not asked twice.
    A team run sets each member's user id beforehand, so nothing is asked there.
    """
    connection = stream.connection
    if connection.user_id is not None or state_owner(stream.tap_state) is None:
        return
    connection.user_id = ask_user_id(current_user_stream(stream)) or ""
    if connection.user_id:
        claim_state(stream.tap_state, connection.user_id)


def current_user_stream(stream: Any) -> Any:  # noqa: ANN401 - a MixmaxStream
    """The stream whose request path asks ``/users/me`` (it reuses the answer)."""
    return stream.singer_tap.streams.get("current_user", stream)


def ask_user_id(stream: Any) -> str | None:  # noqa: ANN401 - a MixmaxStream
    """``/users/me``'s ``_id`` for the stream's token."""
    prepared = stream.build_prepared_request(
        method="GET", url=f"{stream.url_base}/users/me", headers=stream.http_headers
    )
    response = stream.request_decorator(stream.send_validated)(prepared, None)
    body = response.json()
    if isinstance(body, dict):
        # The current_user stream sends this answer instead of asking again.
        stream.connection.users_me = body
    user_id = body.get("_id") if isinstance(body, dict) else None
    return user_id if isinstance(user_id, str) and user_id else None
