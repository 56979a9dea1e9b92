"""Credentials of a web service, kept out of every ``repr`` and message."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Literal

import httpx


@dataclass(frozen=True)
class Credentials:
    """Basic (an account's email and API token: Atlassian Cloud) or bearer (a personal
    access token: Data Center). Read from the environment by the caller, never from a file.
    """

    scheme: Literal["basic", "bearer"]
    user: str = ""
    secret: str = field(default="", repr=False)

    @classmethod
    def basic(cls, user: str, token: str) -> Credentials:
        return cls("basic", user, token)

    @classmethod
    def bearer(cls, token: str) -> Credentials:
        return cls("bearer", "", token)

    def auth(self) -> httpx.Auth:
        """The ``httpx`` authentication sending these credentials on every request."""
        if self.scheme == "basic":
            return httpx.BasicAuth(self.user, self.secret)
        return BearerAuth(self.secret)

    def describe(self) -> str:
        """How the requests authenticate, in words without the secret."""
        return f"basic ({self.user})" if self.scheme == "basic" else "bearer token"


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` on every request."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(***)"
