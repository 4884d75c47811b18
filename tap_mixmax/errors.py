"""How the tap names what went wrong with a Mixmax request.

Each error's message is one line a person can act on, and never holds the token.
"""

from __future__ import annotations

import logging

import requests
from singer_sdk.exceptions import FatalAPIError

MIN_SECRET_LENGTH = 4


class TokenRefusedError(FatalAPIError):
    """Mixmax answered 401: the token is missing, mistyped or revoked.

    The message leaves out the body's words: Mixmax answers "No API token provided" to a
    token it does not know, which would contradict the token the tap did send.
    """

    def __init__(self) -> None:
        super().__init__(
            "Mixmax refused the API token (HTTP 401): set api_token to a current token of "
            "the Mixmax user whose data you read (Mixmax Settings > Integrations > API)"
        )


class ForbiddenError(FatalAPIError):
    """Mixmax answered 403: the user or workspace may not read this endpoint."""


class NotFoundError(FatalAPIError):
    """Mixmax answered 404: the endpoint is retired, or the parent object is gone."""


class GoneError(NotFoundError):
    """Mixmax answered 410: the endpoint is retired, or the parent object is gone."""


class BadRequestError(FatalAPIError):
    """Mixmax answered 400, e.g. to a cursor it no longer accepts."""


class RateLimitedError(Exception):
    """Mixmax answered 429; the rate budget decides how long to wait."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__("HTTP 429 Too Many Requests")
        self.response = response


def api_message(response: requests.Response) -> str:
    """Mixmax's own words for an error (``{"message": …}``), or the HTTP reason."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return response.reason or "no reason given"


class NetworkError(FatalAPIError):
    """Mixmax could not be reached or stopped answering, after every retry."""


class MissingKeyError(FatalAPIError):
    """A record came without its primary key: it could not be told apart or resumed."""


class _Redact(logging.Filter):
    """Replaces a secret in every log line, whoever wrote the line."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "<api_token>"), None
        # A traceback (LOGLEVEL=DEBUG) quotes exception messages, which may quote a
        # server's body: format it here, redacted; formatters reuse a set exc_text.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.secret in record.exc_text:
            record.exc_text = record.exc_text.replace(self.secret, "<api_token>")
        if record.stack_info and self.secret in record.stack_info:
            record.stack_info = record.stack_info.replace(self.secret, "<api_token>")
        return True


def hide_in_logs(secret: object) -> None:
    """Keep ``secret`` out of every log handler from now on: the last line of defence."""
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
        return  # replacing a one-letter "token" would garble every line
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _Redact) and f.secret == secret for f in handler.filters):
            handler.addFilter(_Redact(secret))


def network_problem(exc: BaseException) -> str:
    """What went wrong on the wire, in a few words (requests' own text is a chain of reprs)."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connecting timed out"
    if isinstance(exc, requests.exceptions.Timeout):
        return text if "no complete response" in text else "no response in request_timeout"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "the connection dropped in the middle of a response"
    if isinstance(exc, requests.exceptions.ConnectionError):
        if "Connection refused" in text or "Errno 111" in text:
            return "connection refused"
        if "Name or service not known" in text or "getaddrinfo" in text:
            return "the host name does not resolve"
        if "RemoteDisconnected" in text or "Connection aborted" in text:
            return "the server closed the connection without answering"
        return "the connection failed"
    return " ".join(text.split()) or type(exc).__name__


class SettingsError(ValueError):
    """Settings that cannot work; the message names each problem and its fix."""
