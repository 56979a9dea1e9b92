"""The shared HTTP client against a local stand-in that injects 429, 5xx, resets and hangs."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator

import pytest

from standin import FakeTime, Reply, Seen, StandIn
from threatgate.errors import InputError
from threatgate.integrations.http import (
    Credentials,
    HttpClient,
    OutcomeUnknown,
    RetryPolicy,
    ServiceError,
    ServiceUnavailable,
)
from threatgate.integrations.http.client import check_base_url
from threatgate.integrations.http.retry import retry_after_seconds

TOKEN = "tok-SECRET-123"
POLICY = RetryPolicy(deadline=60, attempt_timeout=1.0, base_delay=1, max_delay=8,
                     max_retry_after=30, max_attempts=6)


def echo(seen: Seen) -> Reply:
    if seen.path == "/rest/api/2/error":
        return Reply(400, {"errorMessages": ["Project 'X' does not exist."],
                           "errors": {"summary": "Summary is required."}})
    if seen.path == "/wiki/error":
        return Reply(404, {"statusCode": 404, "message": "No space with key : ABC"})
    if seen.path == "/wiki/v2error":
        return Reply(400, {"errors": [{"status": 400, "code": "INVALID",
                                       "title": "Invalid request", "detail": None}]})
    if seen.path == "/echo-token":
        return Reply(401, {"errorMessages": [f"bad token {TOKEN}"]})
    if seen.path == "/html":
        return Reply(200, b"<html>login</html>")
    if seen.path == "/moved":
        return Reply(302, None, {"Location": "https://elsewhere.example/"})
    if seen.path == "/empty":
        return Reply(204)
    return Reply(200, {"method": seen.method, "path": seen.path, "body": seen.body})


@pytest.fixture
def server() -> Iterator[StandIn]:
    stand_in = StandIn(echo)
    yield stand_in
    stand_in.close()


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def client(server: StandIn, fake: FakeTime, credentials: Credentials | None = None,
           policy: RetryPolicy = POLICY) -> HttpClient:
    return HttpClient(server.url, credentials or Credentials.basic("me@example.com", TOKEN),
                      service="Jira", policy=policy, sleep=fake.sleep, clock=fake.clock,
                      draw=lambda: 0.5)


def test_json_requests_with_basic_and_bearer_credentials(server: StandIn, fake: FakeTime) -> None:
    with client(server, fake) as jira:
        assert jira.post("/rest/api/3/issue", {"a": 1})["body"] == {"a": 1}
        assert jira.get("/rest/api/3/x", {"q": "v"})["path"] == "/rest/api/3/x"
        assert jira.get("/empty") is None
    expected = base64.b64encode(f"me@example.com:{TOKEN}".encode()).decode()
    assert server.requests[0].headers["Authorization"] == f"Basic {expected}"
    assert server.requests[1].query == {"q": ["v"]}
    with client(server, fake, Credentials.bearer(TOKEN)) as jira:
        jira.get("/x")
    assert server.requests[-1].headers["Authorization"] == f"Bearer {TOKEN}"
    assert fake.slept == []


def test_a_base_url_with_a_context_path_keeps_it(server: StandIn, fake: FakeTime) -> None:
    jira = HttpClient(server.url + "/jira/", None, service="Jira", policy=POLICY)
    assert jira.get("/rest/api/2/serverInfo")["path"] == "/jira/rest/api/2/serverInfo"


def test_429_waits_what_retry_after_says(server: StandIn, fake: FakeTime) -> None:
    server.inject("status", status=429, retry_after="7", times=2)
    assert client(server, fake).post("/rest/api/3/issue", {})["method"] == "POST"
    assert fake.slept == [7, 7]
    assert server.count("POST") == 3


def test_429_with_an_http_date_and_without_retry_after(server: StandIn, fake: FakeTime) -> None:
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470.0) == 10.0
    assert retry_after_seconds("soon", 0.0) is None
    server.inject("status", status=429)
    client(server, fake).get("/x")
    assert fake.slept == [0.75]  # the backoff: half of 1 s plus half of the jitter's half


def test_a_retry_after_beyond_the_bound_is_not_waited_for(server: StandIn,
                                                          fake: FakeTime) -> None:
    server.inject("status", status=429, retry_after="3600")
    with pytest.raises(ServiceUnavailable, match=r"429.*wait 3600 s, more than 30 s"):
        client(server, fake).get("/x")
    assert fake.slept == []


def test_5xx_resets_and_hangs_are_retried_with_growing_backoff(server: StandIn,
                                                               fake: FakeTime) -> None:
    server.inject("status", status=500)
    server.inject("reset")
    server.inject("status", status=503)
    server.inject("hang")
    assert client(server, fake).get("/x")["path"] == "/x"
    assert fake.slept == [0.75, 1.5, 3.0, 6.0]
    assert server.count("GET") == 5


def test_the_total_deadline_bounds_the_retries(server: StandIn, fake: FakeTime) -> None:
    server.inject("status", status=502, times=100)
    policy = RetryPolicy(deadline=10, attempt_timeout=0.25, base_delay=1, max_delay=8,
                         max_attempts=100)
    with pytest.raises(ServiceUnavailable, match=r"502.*no time left within 10 s"):
        client(server, fake, policy=policy).get("/x")
    assert sum(fake.slept) <= 10
    assert server.count("GET") == 4


def test_the_attempts_are_bounded(server: StandIn, fake: FakeTime) -> None:
    server.inject("status", status=500, times=100)
    with pytest.raises(ServiceUnavailable, match="after 6 attempts"):
        client(server, fake, policy=RetryPolicy(deadline=1e6, max_attempts=6)).get("/x")
    assert server.count("GET") == 6


@pytest.mark.parametrize("kind", ["reset-after", "hang-after", "reset", "hang"])
def test_a_create_is_never_repeated_blindly_after_it_was_sent(server: StandIn, fake: FakeTime,
                                                              kind: str) -> None:
    server.inject(kind)
    with pytest.raises(OutcomeUnknown, match="may have taken effect"):
        client(server, fake).post("/rest/api/3/issue", {})
    assert server.count("POST") == 1


def test_a_create_answered_500_is_not_repeated_but_a_repeatable_post_is(
        server: StandIn, fake: FakeTime) -> None:
    server.inject("status", status=500)
    with pytest.raises(OutcomeUnknown):
        client(server, fake).post("/rest/api/3/issue", {})
    server.inject("status", status=500)
    server.inject("reset")
    assert client(server, fake).post("/search", {}, repeatable=True)["path"] == "/search"


def test_a_refused_connection_is_retried_even_for_a_create(fake: FakeTime) -> None:
    server = StandIn(echo)
    server.close()  # nothing listens on the port any more
    jira = HttpClient(server.url, None, service="Jira", sleep=fake.sleep, clock=fake.clock,
                      policy=RetryPolicy(deadline=100, max_attempts=3, attempt_timeout=1))
    with pytest.raises(ServiceUnavailable, match=r"cannot connect.*after 3 attempts") as info:
        jira.post("/rest/api/3/issue", {})
    assert not isinstance(info.value, OutcomeUnknown)


@pytest.mark.parametrize(("path", "message"), [
    ("/rest/api/2/error", "answered 400 Bad Request: Project 'X' does not exist.; "
                          "summary: Summary is required."),
    ("/wiki/error", "answered 404 Not Found: No space with key : ABC"),
    ("/wiki/v2error", "answered 400 Bad Request: Invalid request"),
    ("/moved", "a redirect (not followed)"),
    ("/html", "answered 200 with something other than JSON"),
])
def test_4xx_raise_with_the_service_message_without_retrying(
        server: StandIn, fake: FakeTime, path: str, message: str) -> None:
    with pytest.raises(ServiceError) as info:
        client(server, fake).get(path)
    assert message in str(info.value)
    assert f"Jira {server.url}: GET {path}:" in str(info.value)
    assert info.value.exit_code == 1
    assert server.count("GET") == 1 and fake.slept == []


def test_no_token_in_any_message_or_repr(server: StandIn, fake: FakeTime) -> None:
    jira = client(server, fake)
    with pytest.raises(ServiceError) as info:
        jira.get("/echo-token")
    assert TOKEN not in str(info.value) and "bad token ***" in str(info.value)
    assert info.value.reasons == ("bad token ***",)
    for shown in (repr(jira), repr(Credentials.basic("me", TOKEN)),
                  repr(Credentials.bearer(TOKEN)), repr(Credentials.bearer(TOKEN).auth())):
        assert TOKEN not in shown
    server.inject("status", status=500, times=10)
    with pytest.raises(ServiceUnavailable) as gave_up:
        jira.get("/x")
    assert TOKEN not in str(gave_up.value)


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://jira.example", "give an https:// URL"),
    ("https://me:pw@jira.example", "credentials come from the environment only"),
    ("http://jira.example", "plain http is allowed only to a loopback host"),
    ("https://jira.example:99999", "is not a URL"),
])
def test_base_urls_that_would_leak_credentials_are_refused(url: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        check_base_url(url, "[jira] url")
    assert "pw" not in str(info.value)
    assert check_base_url("http://127.0.0.1:8080", "[jira] url")


def test_no_token_in_the_log_even_at_debug_level(server: StandIn, fake: FakeTime,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        client(server, fake).get("/x")
        client(server, fake, Credentials.bearer(TOKEN)).get("/x")
        server.inject("status", status=500)
        client(server, fake).get("/x")
    assert caplog.text and TOKEN not in caplog.text
    encoded = base64.b64encode(f"me@example.com:{TOKEN}".encode()).decode()
    assert encoded not in caplog.text
