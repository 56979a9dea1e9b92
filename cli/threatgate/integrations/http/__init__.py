"""The one HTTP client of the integrations with web services (Jira, Confluence).

:class:`~threatgate.integrations.http.client.HttpClient` sends JSON to a service's base URL
with the credentials its caller read from the environment, retries what is worth retrying
(:mod:`~threatgate.integrations.http.retry`) under a total deadline, and raises the typed
errors of :mod:`~threatgate.integrations.http.errors` for the rest. No secret ever reaches a
message, a ``repr`` or a log line.
"""

from threatgate.integrations.http.auth import Credentials
from threatgate.integrations.http.client import HttpClient
from threatgate.integrations.http.errors import (
    HttpError,
    OutcomeUnknown,
    ServiceError,
    ServiceUnavailable,
)
from threatgate.integrations.http.retry import RetryPolicy

__all__ = ["Credentials", "HttpClient", "HttpError", "OutcomeUnknown", "RetryPolicy",
           "ServiceError", "ServiceUnavailable"]
