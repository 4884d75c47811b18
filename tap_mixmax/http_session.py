"""The HTTP session every stream shares, with the proxy environment read once per host.

``requests`` re-reads ``HTTP(S)_PROXY``/``NO_PROXY`` (and may ask the platform) for
every request it sends; the answer cannot change during a run, so it is worked out once
per scheme and host and handed to each send, with the same rules ``requests`` applies.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.utils import resolve_proxies


class MixmaxSession(requests.Session):
    """A ``requests.Session`` that resolves proxies from the environment once per host."""

    def __init__(self) -> None:
        super().__init__()
        self._proxies_by_origin: dict[tuple[str, str], dict[str, str]] = {}

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # noqa: ANN401
        if "proxies" not in kwargs and request.url:
            parts = urlsplit(request.url)
            origin = (parts.scheme, parts.netloc)
            proxies = self._proxies_by_origin.get(origin)
            if proxies is None:
                proxies = resolve_proxies(request, dict(self.proxies), self.trust_env)
                self._proxies_by_origin[origin] = proxies
            kwargs["proxies"] = proxies
        return super().send(request, **kwargs)
