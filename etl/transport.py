"""The socket layer under httpx: vetted addresses and a deadline no slow server can stretch.

httpx's timeouts bound each socket operation; a server that sends one byte a second never trips them. Here every
read, write and TLS handshake is given at most the time left before the request's deadline, and every connection
goes to an address resolved and checked here, so a DNS answer or a redirect cannot lead to a private network.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("etl_http_deadline", default=None)


class AddressRefused(Exception):
    """A host that resolves to an address the source may not reach; never retried."""


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[float]:
    """Every socket operation in this block ends by `seconds` from now; yields the monotonic end time."""
    end = time.monotonic() + seconds
    token = _deadline.set(end)
    try:
        yield end
    finally:
        _deadline.reset(token)


def _bounded(timeout: float | None, expired: type[Exception]) -> float | None:
    end = _deadline.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise expired("deadline exceeded")
    return left if timeout is None else min(timeout, left)


def public(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return addr.is_global and not addr.is_multicast


def permitted(addr: str, allowed: Iterable[str]) -> bool:
    """A public address, or one inside a network the source allows (allow_private_network)."""
    ip = ipaddress.ip_address(addr.split("%")[0])
    return public(ip) or any(ip in ipaddress.ip_network(net, strict=False) for net in allowed)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, allowed: tuple[str, ...]) -> None:
        self._allowed = allowed
        self._sync = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for addr in addresses:
            if not permitted(addr, self._allowed):
                raise AddressRefused(
                    f"{host} resolves to {addr}, a private address (private, loopback, link-local or reserved "
                    "network); a source may allow it with allow_private_network"
                )
        error: Exception = httpcore.ConnectError(f"no address for {host}")
        # The checked address is the one connected to: a second DNS answer cannot swap it. TLS still verifies the
        # certificate against the host name (httpcore passes it as server_hostname).
        for addr in addresses:
            try:
                stream = self._sync.connect_tcp(
                    addr, port, _bounded(timeout, httpcore.ConnectTimeout), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _Stream(stream)
        raise error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise AddressRefused("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport, on a connection pool whose connections all come from the guarded backend."""

    def __init__(self, allowed: tuple[str, ...], max_connections: int) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=5.0,
            network_backend=_Backend(allowed),
        )
