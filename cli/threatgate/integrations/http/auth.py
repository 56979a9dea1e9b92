"""Credentials of a web service, kept out of every ``repr`` and message."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Literal

import httpx

from threatgate.errors import InputError


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


@dataclass(frozen=True)
class CredentialNames:
    """The environment variables of one service's credentials, and the names of its two
    deployments in messages (Atlassian: ``Cloud`` takes email + API token, ``Data Center``
    a personal access token)."""

    service: str
    email: str
    token: str
    pat: str


def credentials_from_env(names: CredentialNames, environ: Mapping[str, str], *,
                         prefer_pat: bool = False) -> Credentials:
    """Basic credentials (email + API token) or a bearer personal access token, from the
    environment only. With both, the pair is used unless ``prefer_pat``. Anything missing
    is a usage error naming the variable."""
    email, token, pat = (environ.get(names.email, "").strip(),
                         environ.get(names.token, "").strip(), environ.get(names.pat, "").strip())
    if pat and (prefer_pat or not (email and token)):
        return Credentials.bearer(pat)
    if email and token:
        return Credentials.basic(email, token)
    cloud = f"{names.email} and {names.token} ({names.service} Cloud)"
    if email or token:
        missing = names.token if email else names.email
        raise InputError(f"{missing} is not set: {names.service} Cloud needs both "
                         f"{names.email} and {names.token} (or set {names.pat} for "
                         "Data Center)")
    raise InputError(f"no {names.service} credentials: set {cloud} or {names.pat} "
                     "(Data Center) in the environment")
