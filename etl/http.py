"""HTTP fetching that survives the real web: polite, bounded in time and size, refusing what it must.

A Fetcher is one source run's client. Each request gets a deadline covering connect, headers and body (etl.transport
enforces it under every socket read, so a slow drip cannot stretch it), retries with jittered exponential backoff on
5xx, 408, 429 (honouring Retry-After up to a cap), timeouts and broken connections, follows at most `max_redirects`
redirects (refusing loops), checks robots.txt, waits its turn per host (etl.ratelimit), and streams the body with a
cap on the bytes received and another on the bytes gzip, deflate or br expand to.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urljoin, urlsplit

if TYPE_CHECKING:
    from pathlib import Path

    import httpx

    from etl import robots

log = logging.getLogger(__name__)

MiB = 1024 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRY_STATUS = frozenset({408, 429})
_ANYWHERE = ("0.0.0.0/0", "::/0")
_STEP = MiB  # the largest piece of decompressed output produced at once
# The longest Crawl-delay honoured: a site asking for an hour between pages gets a minute.
_MAX_CRAWL_DELAY = 60.0


class FetchError(RuntimeError):
    """A document that could not be fetched; the message is the reason written to `rejects`."""

    def __init__(
        self, reason: str, retryable: bool = False, retry_after: float | None = None, status: int | None = None
    ) -> None:
        super().__init__(reason)
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status


@dataclass(frozen=True)
class HttpPolicy:
    """How sources talk to servers. Each field is also a per-source option in sources.yml and, except the User-Agent
    (ETL_USER_AGENT), an environment variable ETL_HTTP_<FIELD>."""

    user_agent: str = "news-etl"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # the longest silence between two reads
    deadline: float = 120.0  # the whole of one request: connect, headers and body
    retries: int = 2  # further attempts after a 5xx, 408, 429, timeout or broken connection
    backoff: float = 1.0  # the first retry waits about this long, doubling each time, jittered
    backoff_max: float = 30.0
    retry_after_max: float = 120.0  # a longer Retry-After gives up at once instead of waiting
    max_bytes: int = 10 * MiB  # received, checked while streaming
    max_decoded_bytes: int = 40 * MiB  # after gzip, deflate or br: a compression bomb stops here
    max_redirects: int = 5
    host_interval: float = 1.0  # seconds between two requests to one host (or its robots.txt Crawl-delay)
    host_concurrency: int = 2  # requests in flight to one host, counted across processes
    workers: int = 4  # page URLs of one source fetched at once
    robots: bool = True  # obey robots.txt (RFC 9309)
    # Networks that may be private, loopback or link-local; `true` in sources.yml means any network.
    allow_private_network: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> HttpPolicy:
        options = {
            f.name: env[key]
            for f in dataclasses.fields(cls)
            if f.name != "user_agent" and env.get(key := f"ETL_HTTP_{f.name.upper()}", "").strip()
        }
        return cls().with_options(options)

    def with_options(self, options: Mapping[str, Any]) -> HttpPolicy:
        """This policy with the HTTP options among `options` (a source's options hold others too)."""
        changes = {name: _coerce(name, value) for name, value in options.items() if name in _FIELD_TYPES}
        return dataclasses.replace(self, **changes)


_FIELD_TYPES: dict[str, type] = {f.name: type(f.default) for f in dataclasses.fields(HttpPolicy)}


def _coerce(name: str, value: Any) -> Any:
    kind = _FIELD_TYPES[name]
    try:
        if kind is tuple:
            return _networks(value)
        if kind is bool:
            return _boolean(value)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError("not a " + kind.__name__)
        number = kind(value)
    except ValueError as exc:
        raise ValueError(f"HTTP option {name}: {exc} (got {value!r})") from None
    if kind in (int, float) and number < 0:
        raise ValueError(f"HTTP option {name}: must not be negative (got {value!r})")
    return number


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("not true or false")


def _networks(value: Any) -> tuple[str, ...]:
    import ipaddress

    if isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0")):
        return _ANYWHERE if _boolean(value) else ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError("true, false or a list of networks")
    return tuple(str(ipaddress.ip_network(str(item).strip(), strict=False)) for item in items if str(item).strip())


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int
    headers: Mapping[str, str]  # lower-case names
    data: bytes = b""  # the body, Content-Encoding undone

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def validators(self) -> dict[str, str]:
        """What a conditional GET sends back next time."""
        pairs = (("etag", self.headers.get("etag")), ("last_modified", self.headers.get("last-modified")))
        return {name: value for name, value in pairs if value}


def conditional_headers(validators: Mapping[str, str]) -> dict[str, str]:
    headers = {}
    if validators.get("etag"):
        headers["If-None-Match"] = validators["etag"]
    if validators.get("last_modified"):
        headers["If-Modified-Since"] = validators["last_modified"]
    return headers


# --- bodies ------------------------------------------------------------------------------------------------------


class _Decoder:
    """Undoes a Content-Encoding chunk by chunk, never producing more than `limit` bytes in all.

    Output comes in pieces of at most _STEP bytes: asked for one large piece, zlib and brotli build it in blocks and
    then copy them into one, which would double the memory a bomb gets to use before it is stopped.
    """

    def __init__(self, coding: str, limit: int) -> None:
        self.coding = coding
        self.limit = limit
        self.size = 0

    def _room(self) -> int:
        return min(self.limit - self.size + 1, _STEP)  # one byte over the limit is enough to know

    def _grow(self, piece: bytes) -> bytes:
        self.size += len(piece)
        if self.size > self.limit:
            raise FetchError(f"{self.coding} body expands past {self.limit} bytes (compression bomb?)")
        return piece

    def decode(self, data: bytes) -> list[bytes]:
        return [self._grow(data)]

    def flush(self) -> list[bytes]:
        return []


class _Inflate(_Decoder):
    def __init__(self, coding: str, limit: int) -> None:
        import zlib

        super().__init__(coding, limit)
        self._gzip = coding in ("gzip", "x-gzip")
        self._wbits = 16 + zlib.MAX_WBITS if self._gzip else zlib.MAX_WBITS
        self._raw_fallback = not self._gzip
        self._d = zlib.decompressobj(self._wbits)

    def decode(self, data: bytes) -> list[bytes]:
        import zlib

        out = []
        while data:
            try:
                piece = self._d.decompress(data, self._room())
            except zlib.error as exc:
                if self._raw_fallback and self.size == 0:
                    # Some servers send "deflate" as a bare deflate stream, without the zlib header.
                    self._raw_fallback = False
                    self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise FetchError(f"corrupt {self.coding} body: {exc}") from exc
            self._raw_fallback = False
            out.append(self._grow(piece))
            if self._d.eof:
                data = self._d.unused_data
                if not (self._gzip and data):
                    break
                self._d = zlib.decompressobj(self._wbits)  # a second gzip member
            else:
                data = self._d.unconsumed_tail
        return out

    def flush(self) -> list[bytes]:
        if not self._d.eof:
            raise FetchError(f"truncated {self.coding} body", retryable=True)
        return []


class _Brotli(_Decoder):
    def __init__(self, coding: str, limit: int) -> None:
        import brotli

        super().__init__(coding, limit)
        self._error: type[Exception] = brotli.error
        self._d = brotli.Decompressor()

    def decode(self, data: bytes) -> list[bytes]:
        try:
            out = [self._grow(self._d.process(data, output_buffer_limit=self._room()))]
            while not self._d.can_accept_more_data():
                piece = self._d.process(b"", output_buffer_limit=self._room())
                if not piece:
                    break
                out.append(self._grow(piece))
        except self._error as exc:
            raise FetchError(f"corrupt br body: {exc}") from exc
        return out

    def flush(self) -> list[bytes]:
        if not self._d.is_finished():
            raise FetchError("truncated br body", retryable=True)
        return []


def decoder(content_encoding: str | None, limit: int) -> _Decoder:
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return _Decoder("identity", limit)
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return _Inflate(codings[0], limit)
    if codings == ["br"]:
        return _Brotli("br", limit)
    raise FetchError(f"unsupported Content-Encoding {content_encoding!r}")


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    import email.utils

    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def checked_url(url: str) -> str:
    """The URL without its fragment, if it is one we fetch: http or https, with a host."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        raise FetchError(f"refused {url!r}: not a valid URL ({exc})") from exc
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"refused {url!r}: only http and https are fetched")
    if not host:
        raise FetchError(f"refused {url!r}: no host")
    return urldefrag(url).url


# --- the client --------------------------------------------------------------------------------------------------


class Fetcher:
    """One source run's HTTP client. Thread-safe: page URLs are fetched from several threads at once.

    `state_dir` (under the data root) holds what is shared with other runs and processes: the per-host limits
    and the robots.txt files read in the last 24 hours. Without it there are no host limits.
    """

    def __init__(self, policy: HttpPolicy, state_dir: Path | None = None) -> None:
        import httpx

        from etl.ratelimit import HostLimiter
        from etl.transport import GuardedTransport

        self.policy = policy
        self.state_dir = state_dir
        self.limiter = HostLimiter(state_dir / "hosts") if state_dir else None
        self._robots: dict[str, robots.Rules] = {}
        self._robots_lock = threading.Lock()
        self._client = httpx.Client(
            transport=GuardedTransport(policy.allow_private_network, max_connections=max(2, 2 * policy.workers)),
            timeout=httpx.Timeout(
                policy.read_timeout, connect=policy.connect_timeout, pool=policy.deadline + policy.connect_timeout
            ),
            # We decode bodies ourselves, so we advertise exactly what we can decode under a size cap.
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate, br"},
            follow_redirects=False,
            trust_env=False,
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Response:
        """GET `url`: a 2xx response with its body, or a 304 to a conditional GET; FetchError with the reason."""
        return self._retrying(lambda: self._follow(url, headers or {}, self.policy.robots))

    def _retrying(self, attempt: Callable[[], Response]) -> Response:
        tries = self.policy.retries + 1
        for n in range(1, tries + 1):
            try:
                return attempt()
            except FetchError as exc:
                if not exc.retryable:
                    raise
                if n == tries:
                    raise FetchError(f"{exc} (gave up after {tries} attempts)", status=exc.status) from exc
                wait = exc.retry_after if exc.retry_after is not None else self._backoff(n)
                log.info("%s; attempt %d of %d in %.1f s", exc, n + 1, tries, wait)
                time.sleep(wait)
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.policy.backoff_max, self.policy.backoff * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    def _follow(self, url: str, headers: Mapping[str, str], obey_robots: bool) -> Response:
        current = checked_url(url)
        seen = {current}
        for _ in range(self.policy.max_redirects + 1):
            if obey_robots:
                self._obey_robots(current)
            response = self._once(current, headers)
            if response.status not in _REDIRECTS:
                return response
            location = response.headers.get("location")
            if not location:
                raise FetchError(f"HTTP {response.status} from {current} without a Location", status=response.status)
            target = checked_url(urljoin(current, location))
            if target in seen:
                raise FetchError(f"redirect loop: {current} redirects back to {target}")
            seen.add(target)
            current = target
        raise FetchError(f"more than {self.policy.max_redirects} redirects from {url}")

    def _once(self, url: str, headers: Mapping[str, str]) -> Response:
        import httpx

        from etl import transport

        with self._slot(url), transport.deadline(self.policy.deadline) as end:
            try:
                with self._client.stream("GET", url, headers=dict(headers)) as response:
                    return self._response(response, url)
            except transport.AddressRefused as exc:
                raise FetchError(f"refused {url}: {exc}") from exc
            except httpx.TimeoutException as exc:
                if time.monotonic() >= end - 0.01:
                    raise FetchError(
                        f"no complete response from {url} within the {self.policy.deadline:g} s deadline"
                    ) from exc
                raise FetchError(f"timed out fetching {url} ({type(exc).__name__})", retryable=True) from exc
            except (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.ProxyError) as exc:
                raise FetchError(f"cannot fetch {url}: {type(exc).__name__}: {exc}") from exc
            except httpx.TransportError as exc:  # refused, reset or cut-off connections, protocol violations
                raise FetchError(
                    f"connection failed fetching {url}: {type(exc).__name__}: {exc}", retryable=True
                ) from exc
            except httpx.InvalidURL as exc:
                raise FetchError(f"refused {url!r}: not a valid URL ({exc})") from exc

    def _response(self, response: httpx.Response, url: str) -> Response:
        status = response.status_code
        headers = dict(response.headers)
        if status in _REDIRECTS or status == 304:
            return Response(str(response.url), status, headers)
        if status in _RETRY_STATUS or status >= 500:
            wait = retry_after(headers.get("retry-after"))
            if wait is not None and wait > self.policy.retry_after_max:
                raise FetchError(
                    f"HTTP {status} from {url} with Retry-After {wait:g} s, longer than the "
                    f"{self.policy.retry_after_max:g} s we wait",
                    status=status,
                )
            raise FetchError(f"HTTP {status} from {url}", retryable=True, retry_after=wait, status=status)
        if not 200 <= status < 300:
            raise FetchError(f"HTTP {status} from {url}", status=status)
        return Response(str(response.url), status, headers, self._body(response, url))

    def _body(self, response: httpx.Response, url: str) -> bytes:
        limit = self.policy.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(f"response from {url} is {declared} bytes, more than the {limit} allowed")
        decode = decoder(response.headers.get("content-encoding"), self.policy.max_decoded_bytes)
        received = 0
        pieces: list[bytes] = []  # joined once, at the end
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > limit:
                raise FetchError(f"response from {url} exceeds {limit} bytes")
            pieces += decode.decode(chunk)
        pieces += decode.flush()
        return b"".join(pieces)

    # --- politeness --------------------------------------------------------------------------------------------

    def _slot(self, url: str) -> contextlib.AbstractContextManager[Any]:
        if self.limiter is None:
            return contextlib.nullcontext()
        parts = urlsplit(url)
        interval = self.policy.host_interval
        rules = self._robots.get(f"{parts.scheme}://{parts.netloc.lower()}")
        delay = rules.crawl_delay(self.policy.user_agent) if rules else None
        if delay:
            interval = max(interval, min(delay, _MAX_CRAWL_DELAY))
        return self.limiter.slot(parts.netloc.lower(), interval, self.policy.host_concurrency)

    def _obey_robots(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc.lower()}"
        with self._robots_lock:
            rules = self._robots.get(origin)
            if rules is None:
                rules = self._robots[origin] = self._read_robots(origin)
        if not rules.allows(url, self.policy.user_agent):
            why = f": {rules.refusal}" if rules.refusal else ""
            raise FetchError(f"{url} is disallowed by {origin}/robots.txt{why}")

    def _read_robots(self, origin: str) -> robots.Rules:
        from etl import robots  # urllib.robotparser pulls in urllib.request: only when a robots.txt is read

        cache = robots.Cache(self.state_dir / "robots") if self.state_dir else None
        if cache and (rules := cache.get(origin)):
            return rules
        try:
            response = self._retrying(lambda: self._follow(origin + "/robots.txt", {}, obey_robots=False))
        except FetchError as exc:
            if exc.status is None and not exc.retryable:
                raise  # refused outright (a private address, say): the reason holds for every URL of the site
            if cache and exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                cache.put(origin, exc.status, b"")
            return robots.unavailable(exc.status, str(exc))
        if cache:
            cache.put(origin, response.status, response.data)
        return robots.parse(response.data)
