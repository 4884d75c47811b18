"""How the tap names what went wrong with a Mixmax request.

Each error's message is one line a person can act on, and never holds the token.
"""

from __future__ import annotations

import requests
from singer_sdk.exceptions import FatalAPIError


class TokenRefusedError(FatalAPIError):
    """Mixmax answered 401: the token is missing, mistyped or revoked."""


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
