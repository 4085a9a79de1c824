"""The HTTP client against a misbehaving server on 127.0.0.1: each fault ends within its deadline, after a bounded
number of attempts, with a clear reason; healthy responses come through whole."""

from __future__ import annotations

import gzip
import itertools
import socket
import threading
from pathlib import Path
from typing import Any

import pytest

from etl import http, robots

from .faultserver import FAST, FaultServer, faults, rss

__all__ = ["faults"]

# A hang is a failure, not a wait: every test here ends in seconds when the client keeps its deadlines.
pytestmark = pytest.mark.timeout(60)


def fetcher(tmp_path: Path, **options: Any) -> http.Fetcher:
    policy = http.HttpPolicy().with_options({**FAST, "allow_private_network": True, **options})
    return http.Fetcher(policy, tmp_path / "http")


@pytest.mark.parametrize(
    ("path", "reason", "attempts"),
    [
        ("/slow", r"timed out fetching .*/slow \(ReadTimeout\) \(gave up after 3 attempts\)", 3),
        ("/drip", r"no complete response from .*/drip within the 2 s deadline", 1),
        ("/drip-headers", r"no complete response from .*/drip-headers within the 2 s deadline", 1),
        ("/500", r"HTTP 500 from .*/500 \(gave up after 3 attempts\)", 3),
        ("/503", r"HTTP 503 from .*/503 \(gave up after 3 attempts\)", 3),
        ("/429-long", r"HTTP 429 .* Retry-After 3600 s, longer than the 2 s we wait", 1),
        ("/reset", r"connection failed .*reset by peer \(gave up after 3 attempts\)", 3),
        ("/truncated", r"connection failed .*RemoteProtocolError.*\(gave up after 3 attempts\)", 3),
        ("/oversize", r"response from .*/oversize exceeds 1048576 bytes", 1),
        ("/oversize-declared", r"is 1073741824 bytes, more than the 1048576 allowed", 1),
        ("/gzip-bomb", r"gzip body expands past 4194304 bytes", 1),
        ("/br-bomb", r"br body expands past 4194304 bytes", 1),
        ("/loop/a", r"redirect loop: .*/loop/b redirects back to .*/loop/a", 1),
        ("/hops/1", r"more than 5 redirects from .*/hops/1", 1),
        ("/redirect/ftp", r"refused 'ftp://127.0.0.1/feed': only http and https are fetched", 1),
        ("/missing", r"HTTP 404 from", 1),
    ],
)
def test_each_fault_ends_with_a_reason_after_bounded_attempts(
    faults: FaultServer, tmp_path: Path, path: str, reason: str, attempts: int
) -> None:
    with fetcher(tmp_path) as client, pytest.raises(http.FetchError, match=reason):
        client.get(faults.url(path))
    assert faults.hits[path] == attempts


@pytest.mark.parametrize("path", ["/ok/rss", "/ok/gzip", "/ok/deflate", "/ok/br"])
def test_bodies_arrive_whole_and_decoded(faults: FaultServer, tmp_path: Path, path: str) -> None:
    with fetcher(tmp_path) as client:
        response = client.get(faults.url(path))
    name = {"/ok/rss": "ok-rss"}.get(path, path.strip("/").replace("/", "-"))
    assert response.data == rss(name, n=3 if path == "/ok/rss" else 2)
    assert faults.headers(path)[0]["accept-encoding"] == "gzip, deflate, br"


def test_decoder_knows_truncated_and_multi_member_gzip() -> None:
    body = gzip.compress(b"first ") + gzip.compress(b"second")
    decode = http.decoder("gzip", 100)
    assert b"".join(decode.decode(body[:7]) + decode.decode(body[7:]) + decode.flush()) == b"first second"
    cut = http.decoder("gzip", 100)
    cut.decode(gzip.compress(b"x" * 50)[:-4])
    with pytest.raises(http.FetchError, match="truncated gzip body"):
        cut.flush()
    with pytest.raises(http.FetchError, match="unsupported Content-Encoding 'zstd'"):
        http.decoder("zstd", 100)


def test_transient_errors_are_retried_until_they_pass(faults: FaultServer, tmp_path: Path) -> None:
    with fetcher(tmp_path) as client:
        assert client.get(faults.url("/503-then-ok")).status == 200
    assert faults.hits["/503-then-ok"] == 3


def test_retry_after_is_honoured(faults: FaultServer, tmp_path: Path) -> None:
    with fetcher(tmp_path) as client:
        assert client.get(faults.url("/429")).status == 200
    first, second = faults.times("/429")
    assert second - first >= 0.95  # the server asked for 1 s


def test_redirects_are_followed(faults: FaultServer, tmp_path: Path) -> None:
    with fetcher(tmp_path) as client:
        response = client.get(faults.url("/redirect/ok"))
    assert response.url == faults.url("/ok/rss") and response.data == rss("ok-rss", n=3)


def test_robots_txt_is_obeyed_read_once_and_configurable(faults: FaultServer, tmp_path: Path) -> None:
    with fetcher(tmp_path, user_agent="polite-bot/2.0") as client:
        with pytest.raises(http.FetchError, match=r"/private/feed is disallowed by .*/robots.txt"):
            client.get(faults.url("/private/feed"))
        client.get(faults.url("/ok/rss"))
    assert faults.hits["/private/feed"] == 0 and faults.hits["/robots.txt"] == 1
    assert [h["user-agent"] for h in faults.headers("/robots.txt") + faults.headers("/ok/rss")] == [
        "polite-bot/2.0"
    ] * 2
    with fetcher(tmp_path, robots=False) as client:
        assert client.get(faults.url("/private/feed")).status == 200


def test_robots_rules() -> None:
    rules = robots.parse(b"User-agent: news-etl\nDisallow: /a/\nCrawl-delay: 5\n\nUser-agent: *\nDisallow: /\n")
    assert rules.allows("https://s.example/b/1", "news-etl/0.1 (+https://x.example)")
    assert not rules.allows("https://s.example/a/1", "news-etl/0.1")
    assert not rules.allows("https://s.example/b/1", "other-bot/1.0")
    assert rules.crawl_delay("news-etl/0.1") == 5.0
    assert robots.unavailable(404, "HTTP 404").allows("https://s.example/x", "any")  # no robots.txt: no rules
    for status in (500, 503, 429, None):  # cannot know: RFC 9309 says assume everything disallowed
        assert not robots.unavailable(status, "down").allows("https://s.example/x", "any")


def test_conditional_get(faults: FaultServer, tmp_path: Path) -> None:
    with fetcher(tmp_path) as client:
        first = client.get(faults.url("/conditional"))
        assert first.validators == {"etag": '"v1"', "last_modified": "Wed, 22 Sep 2021 00:00:00 GMT"}
        again = client.get(faults.url("/conditional"), http.conditional_headers(first.validators))
    assert (again.status, again.data) == (304, b"")
    assert faults.headers("/conditional")[1]["if-none-match"] == '"v1"'


def test_private_addresses_are_refused_also_after_dns_and_redirects(faults: FaultServer, tmp_path: Path) -> None:
    with fetcher(tmp_path, allow_private_network=False) as client:
        with pytest.raises(http.FetchError, match=r"127\.0\.0\.1 resolves to 127\.0\.0\.1, a private address"):
            client.get(faults.url("/ok/rss"))
        with pytest.raises(http.FetchError, match=r"localhost resolves to .*, a private address"):
            client.get(f"http://localhost:{faults.port}/ok/rss")
        for url in ("file:///etc/passwd", "gopher://127.0.0.1/", "http:///nohost"):
            with pytest.raises(http.FetchError, match="refused"):
                client.get(url)
    # 127.0.0.1 is allowed, the redirect's 127.0.0.2 is not: the second hop is refused before connecting.
    refused = r"127\.0\.0\.2 resolves to 127\.0\.0\.2, a private address"
    with (
        fetcher(tmp_path, allow_private_network=["127.0.0.1/32"]) as client,
        pytest.raises(http.FetchError, match=refused),
    ):
        client.get(faults.url("/redirect/other-loopback"))
    assert faults.hits["/ok/rss"] == 0 and faults.hits["/robots.txt"] == 1


def test_requests_in_flight_per_host_are_capped(faults: FaultServer, tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def get() -> None:
        try:
            with fetcher(tmp_path, host_concurrency=2, robots=False) as client:
                client.get(faults.url("/hold"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=get) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and faults.hits["/hold"] == 6
    assert faults.max_in_flight["/hold"] == 2


def test_requests_to_one_host_are_spaced(faults: FaultServer, tmp_path: Path) -> None:
    with fetcher(tmp_path, host_interval=0.3, robots=False) as client:
        for _ in range(3):
            client.get(faults.url("/ok/rss"))
    times = faults.times("/ok/rss")
    assert all(b - a >= 0.29 for a, b in itertools.pairwise(times))


def test_connection_refused_is_retried_then_reported(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the socket closes
    with fetcher(tmp_path, robots=False) as client, pytest.raises(http.FetchError, match=r"ConnectError.*3 attempts"):
        client.get(f"http://127.0.0.1:{port}/feed")


def test_policy_from_environment_and_options() -> None:
    policy = http.HttpPolicy.from_env({"ETL_HTTP_DEADLINE": "30", "ETL_HTTP_ROBOTS": "no", "ETL_HTTP_RETRIES": "5"})
    assert (policy.deadline, policy.robots, policy.retries, policy.max_bytes) == (30.0, False, 5, 10 * 1024 * 1024)
    tuned = policy.with_options({"deadline": 5, "allow_private_network": True, "poll_minutes": 30})
    assert tuned.deadline == 5.0 and tuned.allow_private_network == ("0.0.0.0/0", "::/0")
    assert tuned.with_options({"allow_private_network": ["10.1.0.0/16"]}).allow_private_network == ("10.1.0.0/16",)
    for bad in ({"deadline": "soon"}, {"retries": -1}, {"robots": "maybe"}, {"allow_private_network": "10.0.0.300"}):
        with pytest.raises(ValueError, match="HTTP option"):
            policy.with_options(bad)


@pytest.mark.parametrize(
    ("value", "seconds"), [("7", 7.0), (None, None), ("soon", None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)]
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert http.retry_after(value) == seconds
