"""HTTP fetching for feeds and pages: timeouts, a size cap and a User-Agent."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from etl.raw import RawDoc


class FetchError(RuntimeError):
    """A document that could not be fetched; the message is the reason written to `rejects`."""


@dataclass(frozen=True)
class HttpPolicy:
    user_agent: str
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    allow_private_network: bool = False


def check_url(url: str, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"refused {url!r}: only http and https are fetched")
    host = parts.hostname
    if not host:
        raise FetchError(f"refused {url!r}: no host")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from exc
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved or addr.is_multicast:
            raise FetchError(f"refused {url!r}: {addr} is a private address (set allow_private_network)")


def fetch(url: str, source: str, policy: HttpPolicy) -> RawDoc:
    import httpx  # heavy; only sources that fetch need it

    check_url(url, policy.allow_private_network)
    timeout = httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout)
    headers = {"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"}
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=policy.max_redirects) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code} from {url}")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > policy.max_bytes:
                    raise FetchError(f"response from {url} exceeds {policy.max_bytes} bytes")
                chunks.append(chunk)
            return RawDoc(
                source=source,
                uri=str(response.url),
                fetched_at=dt.datetime.now(dt.UTC),
                data=b"".join(chunks),
                content_type=response.headers.get("content-type"),
                headers=dict(response.headers),
                status=response.status_code,
            )
    except httpx.TooManyRedirects as exc:
        raise FetchError(f"too many redirects from {url}") from exc
    except httpx.TimeoutException as exc:
        raise FetchError(f"timed out fetching {url}: {type(exc).__name__}") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"cannot fetch {url}: {type(exc).__name__}: {exc}") from exc
