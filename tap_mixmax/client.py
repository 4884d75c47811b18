"""The base of every Mixmax stream: URL, auth, the request path and error mapping.

One request's path: the stream builds it, the shared rate budget waits for a turn, the
shared session sends it with the shared authenticator, ``validate_response`` maps the
status to retry / skip / stop, and ``post_process`` normalises the record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, ClassVar

import backoff
import requests
from singer_sdk import RESTStream, SchemaDirectory, StreamSchema
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.jsonpath import extract_jsonpath
from singer_sdk.helpers.types import Context
from singer_sdk.singerlib.catalog import REPLICATION_FULL_TABLE

from tap_mixmax.conform import RecordConformer
from tap_mixmax.errors import (
    BadRequestError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    TokenRefusedError,
    api_message,
)
from tap_mixmax.pagination import parsed_body
from tap_mixmax.schemas import schema_dir

if TYPE_CHECKING:
    from tap_mixmax.tap import TapMixmax

RequestFunc = Callable[[requests.PreparedRequest, Context | None], requests.Response]

# Consecutive 429s one request may wait out before the run gives up on it.
MAX_RATE_LIMITED_WAITS = 10


class MixmaxStream(RESTStream[Any]):
    """A Mixmax endpoint: shared session, token, budget and error rules."""

    schema = StreamSchema(SchemaDirectory(schema_dir()))
    primary_keys: ClassVar[tuple[str, ...]] = ("_id",)
    replication_key = None
    # `post_process` does what the SDK's conformance did, with a plan compiled once
    # (tap_mixmax/conform.py); per-request METRIC lines cost more than they told.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    _LOG_REQUEST_METRICS = False

    # Whether objects change after they are created (per the catalog); such streams
    # are re-read on the schedule of `full_refresh_interval_hours`.
    changes_after_create: ClassVar[bool] = True
    # Endpoints that need the workspace's `mixmaxApi` feature answer 403 without it.
    feature_gated: ClassVar[bool] = False
    # For child streams: the record field holding the parent's id, also the context key.
    parent_key: ClassVar[str | None] = None
    # Whether a 404 for the whole endpoint means "retired": skip it rather than stop.
    skip_when_retired: ClassVar[bool] = False
    # For parents: the context key their children expect, filled with this record's id.
    child_key: ClassVar[str | None] = None

    def __init__(self, tap: TapMixmax) -> None:
        super().__init__(tap=tap)
        self.mixmax = tap.mixmax

    @property
    def url_base(self) -> str:
        return str(self.config["api_url"]).rstrip("/")

    @property
    def authenticator(self) -> Any:  # noqa: ANN401 - the SDK types this as requests' AuthBase
        return self.mixmax.authenticator

    @property
    def requests_session(self) -> requests.Session:
        return self.mixmax.session

    @property
    def timeout(self) -> int:
        return int(self.config["request_timeout"])

    @cached_property
    def user_agent(self) -> str:
        return str(self.config["user_agent"])

    def backoff_wait_generator(self) -> Iterator[float]:  # type: ignore[override]
        return backoff.expo(base=2, factor=1)  # 1, 2, 4, 8, 16 s, plus up to 1 s jitter

    def backoff_max_tries(self) -> int:
        return int(self.config["max_retries"]) + 1

    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        """Pace every attempt through the rate budget, and wait out 429s exactly.

        Server errors, timeouts and dropped connections are retried by the SDK's
        exponential backoff wrapped around this; a 429 is not an error to back off
        from but an instruction to wait ``Retry-After`` seconds, so it is handled here.
        """
        budget = self.mixmax.budget
        progress = self.mixmax.progress

        def paced(
            prepared_request: requests.PreparedRequest, context: Context | None
        ) -> requests.Response:
            for _ in range(MAX_RATE_LIMITED_WAITS):
                budget.acquire()
                progress.request(self.name)
                try:
                    return func(prepared_request, context)
                except RateLimitedError as exc:
                    wait = budget.wait_after_429(exc.response)
                    self.logger.warning(
                        "Mixmax answered 429 for %s; waiting %.1f s as Retry-After asks",
                        self.path,
                        wait,
                    )
            msg = (
                f"{self.name}: still rate limited after {MAX_RATE_LIMITED_WAITS} waits; "
                "another client is probably using the same token: run again later"
            )
            raise FatalAPIError(msg)

        return super().request_decorator(paced)

    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        where = f"{self.name} ({response.request.path_url.split('?')[0]})"
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            raise RateLimitedError(response)
        if status == HTTPStatus.UNAUTHORIZED:
            msg = (
                f"Mixmax refused the API token (HTTP 401: {api_message(response)}); "
                "set api_token to a valid token from Mixmax Settings > Integrations > API"
            )
            raise TokenRefusedError(msg)
        if status == HTTPStatus.FORBIDDEN:
            raise ForbiddenError(f"{where}: HTTP 403 {api_message(response)}")
        if status == HTTPStatus.NOT_FOUND:
            raise NotFoundError(f"{where}: HTTP 404 {api_message(response)}")
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise RetriableAPIError(f"{where}: HTTP {status} {response.reason}", response)
        if status == HTTPStatus.BAD_REQUEST:
            raise BadRequestError(f"{where}: HTTP 400 {api_message(response)}")
        if status >= HTTPStatus.BAD_REQUEST:
            raise FatalAPIError(f"{where}: HTTP {status} {api_message(response)}")
        try:
            parsed_body(response)
        except ValueError as exc:
            # A body cut short by a dropped connection is a transient fault, not data.
            msg = f"{where}: the response was not complete JSON"
            raise RetriableAPIError(msg, response) from exc

    def backoff_handler(self, details: Any) -> None:  # noqa: ANN401 - backoff's Details
        exc = details.get("exception")
        self.logger.warning(
            "%s: attempt %d failed (%s); retrying in %.1f s",
            self.name,
            details.get("tries", 0),
            exc if exc is not None else "unknown error",
            details.get("wait", 0.0),
        )

    def parse_response(self, response: requests.Response) -> Iterator[dict[str, Any]]:
        yield from extract_jsonpath(self.records_jsonpath, parsed_body(response))

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Records of the stream, skipping what the API says is gone or not allowed."""
        yield from self._read_or_skip(context)
        if self.parent_stream_type is None:
            # Children sync inline, record by record: by now they are done too.
            names = [self.name, *(child.name for child in self.child_streams)]
            self.mixmax.progress.summary(names)

    def _read_or_skip(self, context: Context | None) -> Iterator[dict[str, Any]]:
        try:
            yield from self.read(context)
        except ForbiddenError as exc:
            if not self.feature_gated:
                raise
            self.skip(
                "needs the Mixmax API feature ('mixmaxApi') for this workspace; "
                f"skipping the stream ({exc})"
            )
        except NotFoundError as exc:
            if context is not None:
                self.skip(f"parent {self._parent_id(context)} is gone ({exc}); skipping it")
            elif self.skip_when_retired:
                self._confirm_api_url()
                self.skip(f"the endpoint answered 404, probably retired by Mixmax ({exc})")
            else:
                msg = f"{exc}; check that api_url ends with /v1"
                raise NotFoundError(msg) from exc

    def _confirm_api_url(self) -> None:
        """Tell a retired endpoint from a wrong ``api_url``: both answer 404.

        Asked once per run, and only after a collection answered 404.
        """
        if self.mixmax.api_url_confirmed:
            return
        probe = requests.Request("GET", f"{self.url_base}/users/me", headers=self.http_headers)
        self.mixmax.budget.acquire()
        response = self.requests_session.send(
            self.authenticator(probe.prepare()), timeout=self.timeout
        )
        if response.status_code == HTTPStatus.NOT_FOUND:
            msg = (
                f"api_url {self.url_base} answers 404 even for /users/me: check api_url "
                "(Mixmax's is https://api.mixmax.com/v1)"
            )
            raise NotFoundError(msg)
        self.mixmax.api_url_confirmed = True

    @property
    def replication_method(self) -> str:
        """Always FULL_TABLE to the SDK: the cursor bookmark is this tap's own state.

        A catalog that forces INCREMENTAL would otherwise make the SDK look for a
        replication key these streams do not have.
        """
        return REPLICATION_FULL_TABLE

    def read(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """The records of one sync of the stream (or of one parent, for a child)."""
        return self.request_records(context)

    def generate_child_contexts(
        self,
        record: dict[str, Any],
        context: Context | None,
    ) -> Iterable[dict[str, Any] | None]:
        if self.child_key is not None:
            yield {self.child_key: record["_id"]}

    def skip(self, reason: str) -> None:
        """Log a warning and remember it for the run's summary."""
        self.logger.warning("%s: %s", self.name, reason)
        self.mixmax.progress.stream(self.name).skipped.append(reason)

    def _parent_id(self, context: Context | None) -> str | None:
        if context is None or self.parent_key is None:
            return None
        value = context.get(self.parent_key)
        return None if value is None else str(value)

    def post_process(
        self,
        row: dict[str, Any],
        context: Context | None = None,
    ) -> dict[str, Any] | None:
        parent_id = self._parent_id(context)
        if self.parent_key and parent_id is not None:
            row.setdefault(self.parent_key, parent_id)
        self.mixmax.progress.record(self.name)
        conformer = self.mixmax.conformers.get(self.name)
        if conformer is None:
            conformer = RecordConformer(self.name, self.schema, self.logger, self.effective_schema)
            self.mixmax.conformers[self.name] = conformer
        return conformer(row)

    def log_sync_costs(self) -> None:
        """Called for every stream once the run's syncing is over (by ``Tap.sync_all``).

        Reports the totals of time values that were not times, and writes out every
        message the writer still holds (for callers that read stdout before exit).
        """
        super().log_sync_costs()
        conformer = self.mixmax.conformers.get(self.name)
        if conformer is not None:
            for line in conformer.summary():
                self.logger.warning("%s", line)
        if self.mixmax.writer is not None:
            self.mixmax.writer.flush()

    def selected_top_level_fields(self) -> list[str] | None:
        """The properties the catalog selects, or ``None`` when all of them are."""
        properties = list(self.schema.get("properties", {}))
        chosen = [name for name in properties if self.mask.get(("properties", name), True)]
        return None if len(chosen) == len(properties) else chosen


class SingletonStream(MixmaxStream):
    """One object per user (``/…/me``), no envelope."""

    def parse_response(self, response: requests.Response) -> Iterator[dict[str, Any]]:
        body = parsed_body(response)
        if isinstance(body, dict):
            yield body

    def get_new_paginator(self) -> None:
        return None


class ChildStream(MixmaxStream):
    """A stream read once per parent record; its rows carry the parent's id."""

    # One bookmark-free state entry for the stream, not one per parent.
    state_partitioning_keys: ClassVar[list[str]] = []
