"""The base of every Mixmax stream: URL, auth, the request path and error mapping.

One request's path: the stream builds it, the shared rate budget waits for a turn, the
shared session sends it with the shared authenticator, ``validate_response`` maps the
status to retry / skip / stop, and ``post_process`` normalises the record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from functools import cached_property
from http import HTTPStatus
from typing import Any, ClassVar
from urllib.parse import urlparse

import backoff
import requests
from singer_sdk import Tap
from singer_sdk import singerlib as singer
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.jsonpath import extract_jsonpath
from singer_sdk.helpers.types import Context
from singer_sdk.mapper import RemoveRecordTransform
from singer_sdk.singerlib.catalog import REPLICATION_FULL_TABLE, REPLICATION_INCREMENTAL
from typing_extensions import override

from tap_mixmax.bookmarks import Bookmark, ChildPlace
from tap_mixmax.conform import RecordConformer, with_extra_column
from tap_mixmax.errors import (
    BadRequestError,
    ForbiddenError,
    GoneError,
    MissingKeyError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    TokenRefusedError,
    api_message,
    network_problem,
)
from tap_mixmax.pagination import ProtocolError, parsed_body
from tap_mixmax.refusal import LoopbackRefusals
from tap_mixmax.run_context import RunContext
from tap_mixmax.schemas import schema_dir
from tap_mixmax.sdk_logs import quiet_sdk_chatter
from tap_mixmax.sdk_private import StreamHooks
from tap_mixmax.transport import ResponseRefused
from tap_mixmax.user_column import (
    USER_COLUMN,
    SchemasWithUserColumn,
    check_state_owner,
    reader_id,
)

RequestFunc = Callable[[requests.PreparedRequest, Context | None], requests.Response]

# Consecutive 429s one request may wait out before the run gives up on it.
MAX_RATE_LIMITED_WAITS = 10
# The longest backoff between retries, before the SDK's jitter of up to a second.
MAX_BACKOFF_SECONDS = 59
# What the SDK's request_decorator retries.
RETRIED_ERRORS = (
    ConnectionResetError,
    RetriableAPIError,
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
# The SDK logs this before re-raising any failure; the tap's exit line says it better.
_SDK_FAILURE_LINE = "An unhandled error occurred while syncing"
_SCHEMAS = SchemasWithUserColumn(schema_dir())


class MixmaxStream(StreamHooks):
    """A Mixmax endpoint: shared session, token, budget and error rules."""

    primary_keys: ClassVar[tuple[str, ...]] = ("_id",)
    replication_key: str | None = None
    # `post_process` does what the SDK's conformance did, with a plan compiled once
    # (tap_mixmax/conform.py).
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    # Whether objects change after they are created (per the catalog); such streams
    # are re-read on the schedule of `full_refresh_interval_hours`.
    changes_after_create: ClassVar[bool] = True
    # Endpoints that need the workspace's `mixmaxApi` feature answer 403 without it.
    feature_gated: ClassVar[bool] = False
    # For child streams: the record field holding the parent's id, also the context key.
    parent_key: ClassVar[str | None] = None
    # Whether a 404 for the whole endpoint means "retired": skip it rather than stop.
    skip_when_retired: ClassVar[bool] = False
    # The stream whose 403 means the token itself is refused: it stops the run.
    token_check: ClassVar[bool] = False
    # Where the schema's fields come from: "documented" (Mixmax's reference), "observed"
    # (Airbyte's schemas recorded from live responses), "third-party" (client libraries'
    # models) or "inferred" (nobody published them). A stream whose fields are mostly
    # inferred keeps undeclared properties by default (see ``undeclared_fields``).
    field_source: ClassVar[str] = "observed"
    # Why the order this endpoint lists rows in is not known to be stable (a row can
    # move, so a whole read can miss one that existed throughout): its deletions are
    # never told. None: stable (ObjectId `_id`, or one object).
    unstable_order: ClassVar[str | None] = None

    def __init__(self, tap: Tap, run_context: RunContext) -> None:
        super().__init__(tap=tap)
        quiet_sdk_chatter(self.logger)
        # The run's shared HTTP side (session, token, budget), and the rest of it.
        self.connection = run_context.connection
        self.run_context = run_context
        # The tap that writes this stream's messages and holds its sibling streams.
        self.singer_tap = tap
        # The version this run's records carry (``begin_whole_read``); None: none.
        self.record_version: int | None = None
        # A child: where a signal stopped the previous run in the list of the parent it
        # was reading, handed over by the resumed parent walk (``take_resume_place``).
        self.resume_place: ChildPlace | None = None

    @cached_property
    def undeclared_fields(self) -> str:
        """What happens to properties the schema does not declare: the setting, else
        ``keep`` for streams whose fields are mostly inferred and ``warn`` for the rest."""
        chosen = self.config.get("undeclared_fields")
        if isinstance(chosen, str):
            return chosen
        return "keep" if self.field_source == "inferred" else "warn"

    @cached_property
    def schema(self) -> dict[str, Any]:
        """The stream's schema, with the user column, and ``_mixmax_extra`` when
        undeclared properties are kept."""
        schema: dict[str, Any] = _SCHEMAS.get_schema(self.name, key_properties=self.primary_keys)
        return with_extra_column(schema) if self.undeclared_fields == "keep" else schema

    @property
    @override
    def effective_schema(self) -> dict[str, Any]:
        """The catalog's schema (or the stream's), with ``_mixmax_extra`` whenever
        undeclared properties are kept, even if the catalog was discovered without it."""
        schema: dict[str, Any] = super().effective_schema
        return with_extra_column(schema) if self.undeclared_fields == "keep" else schema

    @property
    @override
    def state_partitioning_keys(self) -> Sequence[str] | None:
        """One state entry per child stream, not one per parent object."""
        return [] if self.parent_stream_type is not None else None

    @state_partitioning_keys.setter
    def state_partitioning_keys(self, value: Sequence[str] | None) -> None:
        msg = "tap-mixmax streams keep one state entry each"
        raise AttributeError(msg)

    @property
    @override
    def url_base(self) -> str:
        return str(self.config["api_url"]).rstrip("/")

    @property
    @override
    def authenticator(self) -> Any:
        return self.connection.authenticator

    @property
    @override
    def requests_session(self) -> requests.Session:
        return self.connection.session

    @property
    @override
    def timeout(self) -> int:
        return int(self.config["request_timeout"])

    @cached_property
    @override
    def user_agent(self) -> str:
        return str(self.config["user_agent"])

    @override
    def backoff_wait_generator(self) -> Generator[float, None, None]:
        # 1, 2, 4, 8, 16, 32, 59, 59 … s, plus up to 1 s jitter: never more than a minute.
        return backoff.expo(base=2, factor=1, max_value=MAX_BACKOFF_SECONDS)

    @override
    def backoff_max_tries(self) -> int:
        return int(self.config["max_retries"]) + 1

    @override
    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        """Pace every attempt through the rate budget, and wait out 429s exactly.

        Server errors, timeouts and dropped connections are retried by the SDK's
        exponential backoff wrapped around this; a 429 is not an error to back off
        from but an instruction to wait ``Retry-After`` seconds, so it is handled here.
        """
        budget = self.connection.budget
        progress = self.run_context.progress

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

        # The SDK's own retry rules, without backoff's log lines: backoff_handler says
        # each retry, and the run's exit line says the failure, once.
        # A refused loopback connection is tried only once more (tap_mixmax/refusal.py).
        refusals = LoopbackRefusals(str(self.config["api_url"]), self.backoff_max_tries())
        retried = backoff.on_exception(
            self.backoff_wait_generator,
            RETRIED_ERRORS,
            max_tries=self.backoff_max_tries,
            giveup=refusals.give_up,
            on_backoff=self.backoff_handler,
            jitter=self.backoff_jitter,
            logger=None,
        )(paced)

        def named(
            prepared_request: requests.PreparedRequest, context: Context | None
        ) -> requests.Response:
            refusals.start()
            try:
                return retried(prepared_request, context)
            except requests.RequestException as exc:
                line = self._network_failure(prepared_request, exc, refusals.tries())
                raise NetworkError(line + refusals.hint(exc)) from None
            except ResponseRefused as exc:
                raise FatalAPIError(f"{self.name} ({exc.path}): {exc.reason}") from None

        return named

    def send_validated(
        self, prepared_request: requests.PreparedRequest, context: Context | None
    ) -> requests.Response:
        """Send one prepared request on the shared session and check its answer (the
        request path of ``request_decorator``, for a request no paginator makes)."""
        response = self.requests_session.send(
            prepared_request, timeout=self.timeout, allow_redirects=self.allow_redirects
        )
        self.validate_response(response)
        return response

    def _network_failure(
        self, request: requests.PreparedRequest, exc: BaseException, tries: int
    ) -> str:
        """One line naming the stream, the URL path and what failed, never the token."""
        path = urlparse(request.url or "").path
        attempts = "1 attempt" if tries == 1 else f"{tries} attempts"
        return f"{self.name} ({path}): {network_problem(exc)}; gave up after {attempts}"

    @override
    def log(self, message: str, *args: Any, level: int = logging.INFO, **kwargs: Any) -> None:
        if message.startswith(_SDK_FAILURE_LINE):
            return
        super().log(message, *args, level=level, **kwargs)

    @override
    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        where = f"{self.name} ({response.request.path_url.split('?')[0]})"
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            raise RateLimitedError(response)
        if status == HTTPStatus.UNAUTHORIZED:
            raise TokenRefusedError
        if status == HTTPStatus.FORBIDDEN:
            raise ForbiddenError(f"{where}: HTTP 403 {api_message(response)}")
        if status == HTTPStatus.NOT_FOUND:
            raise NotFoundError(f"{where}: HTTP 404 {api_message(response)}")
        if status == HTTPStatus.GONE:
            raise GoneError(f"{where}: HTTP 410 {api_message(response)}")
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

    @override
    def backoff_handler(self, details: Any) -> None:
        exc = details.get("exception")
        self.logger.warning(
            "%s: attempt %d failed (%s); retrying in %.1f s",
            self.name,
            details.get("tries", 0),
            network_problem(exc) if exc is not None else "unknown error",
            details.get("wait", 0.0),
        )

    @override
    def parse_response(self, response: requests.Response) -> Iterator[dict[str, Any]]:
        yield from extract_jsonpath(self.records_jsonpath, parsed_body(response))

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Records of the stream, skipping what the API says is gone or not allowed."""
        check_state_owner(self)
        yield from self._read_or_skip(context)
        if self.parent_stream_type is None:
            # Children sync inline, record by record: by now they are done too.
            names = [self.name, *(child.name for child in self.child_streams)]
            self.run_context.progress.summary(names)

    def _read_or_skip(self, context: Context | None) -> Iterator[dict[str, Any]]:
        try:
            yield from self.read(context)
        except ForbiddenError as exc:
            if self.token_check:
                raise
            # Mixmax gates APIs by plan and feature: one closed stream is no failed run.
            needs = "the Mixmax API feature ('mixmaxApi')" if self.feature_gated else "a plan"
            self.skip(
                f"needs {needs} or a permission this user or workspace lacks; "
                f"skipping the stream ({exc})"
            )
        except GoneError as exc:
            if context is not None:
                self.skip(f"parent {self._parent_id(context)} is gone ({exc}); skipping it")
            else:
                self.skip(f"Mixmax answered 410 Gone: the endpoint is retired ({exc})")
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
        if self.connection.api_url_confirmed:
            return
        probe = requests.Request("GET", f"{self.url_base}/users/me", headers=self.http_headers)
        self.connection.budget.acquire()
        response = self.requests_session.send(
            self.authenticator(probe.prepare()), timeout=self.timeout
        )
        if response.status_code == HTTPStatus.NOT_FOUND:
            msg = (
                f"api_url {self.url_base} answers 404 even for /users/me: check api_url "
                "(Mixmax's is https://api.mixmax.com/v1)"
            )
            raise NotFoundError(msg)
        self.connection.api_url_confirmed = True

    @property
    @override
    def replication_method(self) -> str:
        """FULL_TABLE: every run reads these whole (cursor streams say otherwise)."""
        return REPLICATION_FULL_TABLE

    @override
    def apply_catalog(self, catalog: singer.Catalog) -> None:
        """Take selection from the catalog; keep the replication the API allows.

        The replication key is the API's creation key and cannot be chosen; a catalog
        asking INCREMENTAL of a stream that is always read whole is answered with a warning.
        """
        declared = self.replication_key
        super().apply_catalog(catalog)
        if self.replication_key != declared:
            self.logger.warning(
                "%s: the catalog's replication key %r is ignored; this stream's is %r",
                self.name,
                self.replication_key,
                declared,
            )
            self.replication_key = declared
        forced = self.forced_replication_method
        if forced == REPLICATION_INCREMENTAL and declared is None:
            self.logger.warning(
                "%s: the catalog asks INCREMENTAL, but this stream is always read whole",
                self.name,
            )

    @property
    @override
    def emit_activate_version_messages(self) -> bool:
        """Never at the start of a sync, as the SDK would: see ``end_whole_read``."""
        return False

    @property
    def propagates_deletions(self) -> bool:
        """Whether the user asked for ACTIVATE_VERSION after complete whole reads."""
        return bool(self.config.get("emit_activate_version_messages", False))

    @classmethod
    def order_problem(cls) -> str | None:
        """Why rows of this stream can move during a whole read; None when they cannot.

        A child is read under its parent: a parent that can be missed takes its children
        with it, so the parent's problem is the child's too.
        """
        if cls.unstable_order is not None:
            return cls.unstable_order
        parent = cls.parent_stream_type
        if isinstance(parent, type) and issubclass(parent, MixmaxStream):
            problem = parent.order_problem()
            if problem is not None:
                return f"read under {getattr(parent, 'name', '?')}, {problem}"
        return None

    @property
    def family(self) -> list[MixmaxStream]:
        """This stream and every stream read under it."""
        return [self, *(s for s in self.descendent_streams if isinstance(s, MixmaxStream))]

    def selected_family(self) -> list[str]:
        """The names of this stream and its descendants that this run selects."""
        return [stream.name for stream in self.family if stream.selected]

    def skipped_family(self) -> list[str]:
        """The names of this stream and its descendants of which this run skipped something."""
        return [s.name for s in self.family if self.run_context.progress.stream(s.name).skipped]

    def begin_whole_read(self, version: int | None) -> None:
        """Stamp this stream's records, and its children's, with ``version``: those whose
        order is stable; the others are never activated, so carry no version."""
        for stream in self.family:
            stream.record_version = None if stream.order_problem() else version

    def end_whole_read(
        self,
        version: int | None,
        *,
        children: bool = True,
        streams: list[str] | None = None,
        withheld: list[str] | tuple[str, ...] = (),
    ) -> None:
        """Tell the target that rows not sent with ``version`` are gone, for each stream of
        which this read sent every record: called only after the last record of a
        complete read.

        ``children``: whether every parent's children were read. ``streams``: the
        streams selected in every run of a resumed walk (None: this run began it).
        ``withheld``: streams a run of the walk skipped something of. A stream whose
        order is not stable (``order_problem``) is never activated.
        """
        if version is None or not self.propagates_deletions:
            return
        for stream in self.family if children else [self]:
            if not stream.selected:
                continue
            reason = stream.order_problem()
            if reason is not None:
                reason = f"{reason}, so a whole read may miss a row that exists"
            elif streams is not None and stream.name not in streams:
                reason = (
                    "selected after this walk began (it was resumed), so not every record "
                    "of its version was sent; they are told after its next complete read"
                )
            elif stream.name in withheld or self.run_context.progress.stream(stream.name).skipped:
                # A skipped parent or page means rows not re-sent but maybe still there.
                reason = "something was skipped"
            if reason is not None:
                self.logger.info("%s: no deletions told: %s", stream.name, reason)
                continue
            stream.write_schema_once()
            stream.write_activate_version(version)

    def write_activate_version(self, version: int) -> None:
        """One ACTIVATE_VERSION message per stream map that writes records."""
        for stream_map in self.stream_maps:
            if not isinstance(stream_map, RemoveRecordTransform):
                self.singer_tap.write_message(
                    singer.ActivateVersionMessage(stream=stream_map.stream_alias, version=version)
                )

    @override
    def record_messages(
        self, record: dict[str, Any]
    ) -> Generator[singer.RecordMessage, None, None]:
        """The record without its deselected properties, once per stream map; ``post_process``
        has already conformed it."""
        if self.deselected_paths:
            drop_paths(record, self.deselected_paths)
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield singer.RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped,
                    version=self.record_version,
                    time_extracted=datetime.now(UTC),
                )

    @cached_property
    def deselected_paths(self) -> list[tuple[str, ...]]:
        """The property paths (names from the record's root) the catalog deselects."""
        return deselected_paths(self.mask)

    @override
    def get_replication_key_signpost(self, context: Context | None = None) -> None:
        """No cap on the bookmark: it comes from Mixmax's cursors, not the clock."""
        return

    def read(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """The records of one sync of the stream (or of one parent, for a child)."""
        return self.request_records(context)

    @override
    def get_child_context(
        self, record: dict[str, Any], context: Context | None
    ) -> dict[str, Any] | None:
        """The parent's id under the key each child stream declares as its ``parent_key``."""
        parent_id = record.get("_id")
        if not isinstance(parent_id, str) or not parent_id:
            msg = (
                f"{self.name}: Mixmax sent an object whose '_id' is not a string; its children "
                "cannot be read"
            )
            raise ProtocolError(msg)
        return {
            str(child.parent_key): parent_id
            for child in self.child_streams
            if isinstance(child, MixmaxStream) and child.parent_key
        }

    @override
    def generate_child_contexts(
        self,
        record: dict[str, Any],
        context: Context | None,
    ) -> Iterable[dict[str, Any] | None]:
        if self.child_streams:
            yield self.get_child_context(record, context)

    def skip(self, reason: str) -> None:
        """Log a warning and remember it for the run's summary."""
        self.logger.warning("%s: %s", self.name, reason)
        self.run_context.progress.stream(self.name).skipped.append(reason)

    def place(self) -> ChildPlace | None:
        """A child: how far its read of the parent in hand got (None: it keeps none)."""
        return None

    def take_resume_place(self, context: Context | None) -> ChildPlace | None:
        """The place to resume this child's list at, for its first parent of the run only:
        the resumed parent walk's first parent is the one in hand when the signal came,
        unless that one is gone."""
        place, self.resume_place = self.resume_place, None
        if place is None or place.stream != self.name:
            return None
        return place if place.parent == self._parent_id(context) else None

    def _parent_id(self, context: Context | None) -> str | None:
        if context is None or self.parent_key is None:
            return None
        value = context.get(self.parent_key)
        return None if value is None else str(value)

    @override
    def post_process(
        self,
        row: dict[str, Any],
        context: Context | None = None,
    ) -> dict[str, Any] | None:
        parent_id = self._parent_id(context)
        if self.parent_key and parent_id is not None:
            row.setdefault(self.parent_key, parent_id)
        row[USER_COLUMN] = reader_id(self, row)
        missing = [key for key in self.primary_keys or () if row.get(key) in (None, "")]
        if missing:
            msg = (
                f"{self.name}: Mixmax sent a record without {', '.join(missing)}, its "
                "primary key; stopping the stream, as such a record cannot be deduplicated "
                "or resumed from"
            )
            raise MissingKeyError(msg)
        self.run_context.progress.record(self.name)
        conformer = self.run_context.conformers.get(self.name)
        if conformer is None:
            conformer = RecordConformer(
                self.name,
                self.schema,
                self.logger,
                self.effective_schema,
                undeclared=self.undeclared_fields,
            )
            self.run_context.conformers[self.name] = conformer
        return conformer(row)

    @override
    def log_sync_costs(self) -> None:
        """Called for every stream once the run's syncing is over (by ``Tap.sync_all``).

        Reports the totals of time values that were not times and of undeclared
        properties (by path: records carrying each, and where they went), and writes out
        every message the writer still holds (for callers that read stdout before exit).
        """
        super().log_sync_costs()
        conformer = self.run_context.conformers.get(self.name)
        if conformer is not None:
            for line in conformer.summary():
                self.logger.warning("%s", line)
            level = logging.WARNING if self.undeclared_fields == "warn" else logging.INFO
            for line in conformer.undeclared_summary():
                self.logger.log(level, "summary: %s", line)
        if self.run_context.writer is not None:
            self.run_context.writer.flush()

    def selected_top_level_fields(self) -> list[str] | None:
        """The properties the catalog selects, or ``None`` when all of them are."""
        properties = [name for name in self.schema.get("properties", {}) if name != USER_COLUMN]
        chosen = [name for name in properties if self.mask.get(("properties", name), True)]
        return None if len(chosen) == len(properties) else chosen


class SingletonStream(MixmaxStream):
    """One object per user (``/…/me``), no envelope."""

    @override
    def read(self, context: Context | None) -> Iterable[dict[str, Any]]:
        if context is not None:
            yield from self.request_records(context)
            return
        # Read whole every run: each run is a complete read, with its own version.
        state = self.get_context_state(None)
        bookmark = Bookmark.load(self.name, state)
        version = bookmark.new_version() if self.propagates_deletions else None
        self.begin_whole_read(version)
        yield from self.request_records(context)
        if version is not None:
            bookmark.last_version = version
            bookmark.save(state)
        self.end_whole_read(version)

    @override
    def parse_response(self, response: requests.Response) -> Iterator[dict[str, Any]]:
        body = parsed_body(response)
        if isinstance(body, dict):
            yield body

    @override
    def get_new_paginator(self) -> None:
        return None


def deselected_paths(mask: singer.SelectionMask) -> list[tuple[str, ...]]:
    """The property paths ``mask`` deselects, as key names from the record's root.

    A breadcrumb names an object's property as ``("properties", name)``; one through
    ``items`` (inside an array) names no record path and is not followed.
    """
    paths = []
    for breadcrumb, chosen in mask.items():
        names = breadcrumb[1::2]
        if chosen or not names or any(step != "properties" for step in breadcrumb[::2]):
            continue
        paths.append(tuple(names))
    return paths


def drop_paths(record: dict[str, Any], paths: list[tuple[str, ...]]) -> None:
    """Remove each of ``paths`` from ``record``, through nested objects, in place."""
    for path in paths:
        node: Any = record
        for name in path[:-1]:
            node = node.get(name) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(path[-1], None)
