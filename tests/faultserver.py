"""A misbehaving HTTP server on 127.0.0.1: every fault of the real web, one path each, and some healthy feeds.

Tests start it in a thread (`with FaultServer() as server: server.url("/500")`). Run alone:

    python -m tests.faultserver --run [--fast]      # etl run over every path at once: exit code, time, peak RSS
    python -m tests.faultserver --port 8765 --config /tmp/faults.yml   # serve, with a sources file to try by hand
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gzip
import http.server
import json
import random
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# Short timeouts for tests: every fault ends in seconds, each retry within a fraction of one.
FAST: dict[str, Any] = {
    "connect_timeout": 1,
    "read_timeout": 1,
    "deadline": 2,
    "retries": 2,
    "backoff": 0.05,
    "backoff_max": 0.2,
    "retry_after_max": 2,
    "max_bytes": 1 << 20,
    "max_decoded_bytes": 4 << 20,
    "host_interval": 0,
}

# --- documents (written for these tests) --------------------------------------------------------------------------

BODY = "这是一段用于测试抓取的正文，讲述了某市发布新一轮产业政策的经过，记者在现场进行了采访和记录。"
# The same in characters Big5 and Shift-JIS can encode.
BODIES = {
    "big5": "這是一段用於測試抓取的正文，講述了某市發布新一輪產業政策的經過，記者在現場進行了採訪和記錄。",
    "cp932": "これは取得の試験に使う本文で、ある市が新しい産業政策を発表した経緯を記者が現地で取材して記録したものです。",
}


def rss(name: str, n: int = 2, encoding: str = "utf-8", declare: str | None = "utf-8") -> bytes:
    """An RSS 2.0 feed of `n` items published on 2021-09-22 (Asia/Shanghai); titles are `name #i`."""
    body = BODIES.get(encoding, BODY)
    items = "".join(
        f"<item><title>{name} #{i}</title><link>https://news.example.com/{name}/{i}</link>"
        f"<guid>https://news.example.com/{name}/{i}</guid><pubDate>Wed, 22 Sep 2021 0{i}:00:00 GMT</pubDate>"
        f"<description><![CDATA[<p>{name}: {body}</p><p>{i}</p>]]></description></item>"
        for i in range(1, n + 1)
    )
    decl = f'<?xml version="1.0" encoding="{declare}"?>\n' if declare else ""
    doc = f'{decl}<rss version="2.0"><channel><title>{name}</title><link>https://news.example.com/</link>{items}</channel></rss>'
    return doc.encode(encoding)


def page(name: str, encoding: str, meta: str | None) -> bytes:
    """An article page titled `name`, with site chrome around the article."""
    body = BODIES.get(encoding, BODY)
    head = f'<meta charset="{meta}">' if meta else ""
    doc = (
        f"<html><head>{head}<title>{name} - News</title>"
        '<meta property="article:published_time" content="2021-09-22T10:00:00+08:00"></head><body>'
        '<div class="nav"><a href="/">Home</a> <a href="/a">Finance</a></div>'
        f'<div class="article"><h1>{name}</h1><p>{name}: {body}</p><p>{body}</p><p>{body}</p></div>'
        '<div class="footer">(c) News</div></body></html>'
    )
    return doc.encode(encoding)


ATOM = (
    '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>atom</title>'
    "<entry><id>tag:news.example.com,2021:atom-1</id><title>atom #1</title>"
    '<link href="https://news.example.com/atom/1"/><updated>2021-09-22T02:00:00Z</updated>'
    f'<content type="html">&lt;p&gt;atom: {BODY}&lt;/p&gt;</content></entry></feed>'
).encode()

JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "json",
        "items": [
            {
                "id": "json-1",
                "url": "https://news.example.com/json/1",
                "title": "json #1",
                "content_html": f"<p>json: {BODY}</p>",
                "date_published": "2021-09-22T02:00:00Z",
            }
        ],
    },
    ensure_ascii=False,
).encode()

RSS091 = (
    '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
    '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
    '"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
    '<rss version="0.91"><channel><title>rss091</title><link>https://news.example.com/</link>'
    "<description>old</description><language>en</language>"
    "<item><title>rss091 first item</title><link>https://news.example.com/rss091/1</link>"
    "<description>&lt;p&gt;An old feed still has readers: caf\xe9 owners, r\xe9sum\xe9 writers and the rest of them."
    "&lt;/p&gt;</description></item></channel></rss>"
).encode("latin-1")

# Items without guid or link; the second has no date either: it counts on the day it was landed.
RSS10 = (
    '<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    '<channel rdf:about="https://news.example.com/"><title>rss10</title><link>https://news.example.com/</link>'
    "<description>rdf</description></channel>"
    "<item><title>rss10 #1</title><dc:date>2021-09-22T10:00:00+08:00</dc:date>"
    f"<description>&lt;p&gt;rss10: {BODY}&lt;/p&gt;</description></item>"
    f"<item><title>rss10 undated</title><description>&lt;p&gt;rss10 undated: {BODY}&lt;/p&gt;</description></item>"
    "</rdf:RDF>"
).encode()

# Bare ampersands and an unclosed tag: the strict parser gives up, the lenient one recovers the items.
MALFORMED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>malformed & broken</title>'
    "<item><title>malformed #1 & more</title><link>https://news.example.com/malformed/1</link>"
    "<pubDate>Wed, 22 Sep 2021 01:00:00 GMT</pubDate>"
    f"<description><![CDATA[<p>malformed: {BODY}</p>]]></description></item>"
    "<item><title>malformed #2<b></title><link>https://news.example.com/malformed/2</link>"
    "<pubDate>Wed, 22 Sep 2021 02:00:00 GMT</pubDate>"
    f"<description><![CDATA[<p>malformed: {BODY}</p>]]></description></item>"
).encode()

ENTITY_BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "aaaaaaaaaa">\n'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9))
    + ']>\n<rss version="2.0"><channel><title>bomb</title><item><title>&j;</title>'
    "<description>boom</description></item></channel></rss>"
).encode()

XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    b'<rss version="2.0"><channel><title>xxe</title><item><title>&secret;</title>'
    b"<description>x</description></item></channel></rss>"
)

BINARY = b"\x89PNG\r\n\x1a\n" + random.Random(5).randbytes(4096)
ROBOTS = b"User-agent: *\nDisallow: /private/\n"

_bombs: dict[str, bytes] = {}


def bomb(coding: str, size: int = 128 * 1024 * 1024) -> bytes:
    """`size` zero bytes, gzip- or br-compressed to a few hundred KiB (built once, in pieces)."""
    if coding not in _bombs:
        zeros = bytes(1024 * 1024)
        if coding == "gzip":
            comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            _bombs[coding] = b"".join(comp.compress(zeros) for _ in range(size // len(zeros))) + comp.flush()
        else:
            import brotli

            brc = brotli.Compressor(quality=5)
            _bombs[coding] = b"".join(brc.process(zeros) for _ in range(size // len(zeros))) + brc.finish()
    return _bombs[coding]


# --- the server ---------------------------------------------------------------------------------------------------

Route = Callable[["_Handler"], None]


class FaultServer:
    """Records every request (path, headers, time) and how many of a path were in flight at once."""

    def __init__(self, port: int = 0, slow: float = 3.0, drip: float = 0.1, hold: float = 0.3) -> None:
        self.slow, self.drip, self.hold = slow, drip, hold
        self.hits: collections.Counter[str] = collections.Counter()
        self.requests: list[tuple[str, dict[str, str], float]] = []
        self.in_flight: collections.Counter[str] = collections.Counter()
        self.max_in_flight: collections.Counter[str] = collections.Counter()
        self.broken: set[str] = set()  # paths told to fail with a 500 until healed
        self.stop_event = threading.Event()
        self._lock = threading.Lock()
        for coding in ("gzip", "br"):  # built before serving: building one takes longer than a test's read timeout
            bomb(coding)
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def times(self, path: str) -> list[float]:
        return [t for p, _, t in self.requests if p == path]

    def headers(self, path: str) -> list[dict[str, str]]:
        return [h for p, h, _ in self.requests if p == path]

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def enter(self, path: str, headers: dict[str, str]) -> int:
        with self._lock:
            self.hits[path] += 1
            self.requests.append((path, headers, time.monotonic()))
            self.in_flight[path] += 1
            self.max_in_flight[path] = max(self.max_in_flight[path], self.in_flight[path])
            return self.hits[path]

    def leave(self, path: str) -> None:
        with self._lock:
            self.in_flight[path] -= 1


@pytest.fixture
def faults() -> Any:
    """A FaultServer on a free port for one test (`/slow` waits 3 s: longer than FAST's read timeout)."""
    with FaultServer(slow=3.0) as server:
        yield server


def _handler(server: FaultServer) -> type[_Handler]:
    return type("Handler", (_Handler,), {"fault": server})


class _Handler(http.server.BaseHTTPRequestHandler):
    fault: FaultServer
    server_version = "faultserver"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def handle(self) -> None:
        with contextlib.suppress(OSError):  # the client gave up on us (timeouts, caps): expected here
            super().handle()

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.hit = self.fault.enter(path, {k.lower(): v for k, v in self.headers.items()})
        try:
            if path in self.fault.broken:
                self.send(b"down for maintenance", status=500)
                return
            route = ROUTES.get(path) or next((r for p, r in PREFIX_ROUTES.items() if path.startswith(p)), None)
            if route is None:
                self.send(b"not found", status=404)
            else:
                route(self)
        finally:
            self.fault.leave(path)

    # --- building blocks ------------------------------------------------------------------------------------------

    def send(self, body: bytes, status: int = 200, ctype: str = "application/rss+xml", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def wait(self, seconds: float) -> None:
        self.fault.stop_event.wait(seconds)

    def drip_forever(self, data: bytes) -> None:
        for i in range(10**6):
            if self.fault.stop_event.is_set():
                return
            self.wfile.write(data[i % len(data) : i % len(data) + 1])
            self.wfile.flush()
            self.wait(self.fault.drip)

    # --- routes ---------------------------------------------------------------------------------------------------

    def robots(self) -> None:
        self.send(ROBOTS, ctype="text/plain")

    def conditional(self) -> None:
        etag, modified = '"v1"', "Wed, 22 Sep 2021 00:00:00 GMT"
        if self.headers.get("If-None-Match") == etag or self.headers.get("If-Modified-Since") == modified:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send(rss("conditional"), ETag=etag, Last_Modified=modified)

    def slow(self) -> None:
        self.wait(self.fault.slow)
        self.send(rss("slow"))

    def drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.end_headers()
        self.drip_forever(rss("drip"))

    def drip_headers(self) -> None:
        self.drip_forever(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10000)

    def reset(self) -> None:
        # SO_LINGER 0: close() sends a TCP RST instead of a FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def truncated(self) -> None:
        body = rss("truncated", n=5)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 3])
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def oversize(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.end_headers()
        chunk = b"<!-- padding -->" * 4096
        for _ in range(4096):  # 256 MiB at most; the client hangs up long before
            if self.fault.stop_event.is_set():
                return
            self.wfile.write(chunk)

    def oversize_declared(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(1 << 30))
        self.end_headers()
        self.wfile.write(b"<rss>")

    def encoded(self, coding: str, body: bytes) -> None:
        self.send(body, Content_Encoding=coding)

    def redirect(self, target: str, status: int = 302) -> None:
        self.send_response(status)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def hops(self) -> None:
        n = int(self.path.rsplit("/", 1)[1])
        self.redirect(f"/hops/{n + 1}")

    def hold(self) -> None:
        self.wait(self.fault.hold)
        self.send(rss("hold"))

    def flaky(self, failures: int, status: int, **headers: str) -> None:
        if self.hit <= failures:
            self.send(b"try again later", status=status, ctype="text/plain", **headers)
        else:
            self.send(rss(self.path.strip("/").replace("/", "-")))


def _deflate(data: bytes) -> bytes:
    comp = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)  # raw deflate, as some servers send it
    return comp.compress(data) + comp.flush()


ROUTES: dict[str, Route] = {
    "/robots.txt": _Handler.robots,
    # healthy
    "/ok/rss": lambda h: h.send(rss("ok-rss", n=3), ctype="application/rss+xml; charset=utf-8"),
    "/ok/atom": lambda h: h.send(ATOM, ctype="application/atom+xml"),
    "/ok/json": lambda h: h.send(JSON_FEED, ctype="application/feed+json"),
    "/ok/rss091": lambda h: h.send(RSS091, ctype="text/xml"),
    "/ok/rss10": lambda h: h.send(RSS10, ctype="application/rdf+xml"),
    "/ok/gzip": lambda h: h.encoded("gzip", gzip.compress(rss("ok-gzip"))),
    "/ok/deflate": lambda h: h.encoded("deflate", _deflate(rss("ok-deflate"))),
    "/ok/br": lambda h: h.encoded("br", __import__("brotli").compress(rss("ok-br"))),
    "/conditional": _Handler.conditional,
    "/hold": _Handler.hold,
    # wrong or missing charset labels
    "/charset/gbk-says-utf8": lambda h: h.send(
        rss("gbk-says-utf8", encoding="gb18030", declare=None), ctype="application/rss+xml; charset=utf-8"
    ),
    "/charset/big5-unlabelled": lambda h: h.send(
        rss("big5-unlabelled", encoding="big5", declare=None), ctype="text/xml"
    ),
    "/charset/gb2312-declared": lambda h: h.send(rss("gb2312-declared", encoding="gb18030", declare="gb2312")),
    "/pages/gbk-unlabelled.html": lambda h: h.send(page("gbk-unlabelled", "gb18030", None), ctype="text/html"),
    "/pages/big5-meta.html": lambda h: h.send(page("big5-meta", "big5", "big5"), ctype="text/html"),
    "/pages/sjis-says-latin1.html": lambda h: h.send(
        page("sjis-says-latin1", "cp932", None), ctype="text/html; charset=iso-8859-1"
    ),
    "/pages/utf8-says-gbk.html": lambda h: h.send(
        page("utf8-says-gbk", "utf-8", "gbk"), ctype="text/html; charset=gbk"
    ),
    # faults
    "/slow": _Handler.slow,
    "/drip": _Handler.drip,
    "/drip-headers": _Handler.drip_headers,
    "/500": lambda h: h.send(b"internal error", status=500, ctype="text/plain"),
    "/503": lambda h: h.send(b"unavailable", status=503, ctype="text/plain"),
    "/503-then-ok": lambda h: h.flaky(2, 503),
    "/429": lambda h: h.flaky(1, 429, Retry_After="1"),
    "/429-long": lambda h: h.send(b"slow down", status=429, ctype="text/plain", Retry_After="3600"),
    "/reset": _Handler.reset,
    "/truncated": _Handler.truncated,
    "/oversize": _Handler.oversize,
    "/oversize-declared": _Handler.oversize_declared,
    "/gzip-bomb": lambda h: h.encoded("gzip", bomb("gzip")),
    "/br-bomb": lambda h: h.encoded("br", bomb("br")),
    "/loop/a": lambda h: h.redirect("/loop/b"),
    "/loop/b": lambda h: h.redirect("/loop/a", status=301),
    "/redirect/ok": lambda h: h.redirect("/ok/rss"),
    "/redirect/ftp": lambda h: h.redirect("ftp://127.0.0.1/feed"),
    "/redirect/other-loopback": lambda h: h.redirect(f"http://127.0.0.2:{h.fault.port}/ok/rss"),
    "/malformed": lambda h: h.send(MALFORMED),
    "/garbage": lambda h: h.send(b"<<<this is > not & a feed", ctype="text/xml"),
    "/empty": lambda h: h.send(b""),
    "/entity-bomb": lambda h: h.send(ENTITY_BOMB),
    "/xxe": lambda h: h.send(XXE),
    "/binary": lambda h: h.send(BINARY),
    "/private/feed": lambda h: h.send(rss("private")),
}
PREFIX_ROUTES: dict[str, Route] = {"/hops/": _Handler.hops}

# Sources for the all-faults run: every healthy path gives articles; every fault path gives a reject.
HEALTHY_FEEDS = [
    "/ok/rss",
    "/ok/atom",
    "/ok/json",
    "/ok/rss091",
    "/ok/rss10",
    "/ok/gzip",
    "/ok/deflate",
    "/ok/br",
    "/conditional",
    "/503-then-ok",
    "/429",
    "/redirect/ok",
    "/charset/gbk-says-utf8",
    "/charset/big5-unlabelled",
    "/charset/gb2312-declared",
    "/malformed",
]
HEALTHY_PAGES = [
    "/pages/gbk-unlabelled.html",
    "/pages/big5-meta.html",
    "/pages/sjis-says-latin1.html",
    "/pages/utf8-says-gbk.html",
]
FAULTS = [
    "/slow",
    "/drip",
    "/drip-headers",
    "/500",
    "/503",
    "/429-long",
    "/reset",
    "/truncated",
    "/oversize",
    "/oversize-declared",
    "/gzip-bomb",
    "/br-bomb",
    "/loop/a",
    "/hops/1",
    "/redirect/ftp",
    "/redirect/other-loopback",
    "/garbage",
    "/empty",
    "/entity-bomb",
    "/xxe",
    "/binary",
    "/private/feed",
    "/missing",
]


def source_name(path: str) -> str:
    return "feed-" + path.strip("/").replace("/", "-").replace(".", "-")


def sources_yaml(server: FaultServer, options: dict[str, Any]) -> str:
    """A sources file with one rss source per feed path, one pages source for the pages, all with `options`."""
    opts = "".join(f"    {k}: {json.dumps(v)}\n" for k, v in options.items())
    lines = ["sources:"]
    for path in HEALTHY_FEEDS + FAULTS:
        # Only 127.0.0.1 for the redirect to 127.0.0.2: the second hop must be refused as a private address.
        allowed = '["127.0.0.1/32"]' if path == "/redirect/other-loopback" else "true"
        private = f"    allow_private_network: {allowed}\n"
        lines.append(f"  - name: {source_name(path)}\n    kind: rss\n    url: {server.url(path)}\n{private}{opts}")
    urls = "".join(f"      - {server.url(p)}\n" for p in HEALTHY_PAGES)
    lines.append(f"  - name: pages\n    kind: pages\n    urls:\n{urls}    allow_private_network: true\n{opts}")
    return "\n".join(lines)


def run_all_faults(server: FaultServer, options: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """`etl run` over every path at once, under /usr/bin/time -v: its exit code, wall time and peak RSS."""
    import os
    import re
    import subprocess
    import sys

    import duckdb

    cfg = workdir / "faults.yml"
    cfg.write_text(sources_yaml(server, options), encoding="utf-8")
    env = {**os.environ, "ETL_DATA_DIR": str(workdir / "data")}
    etl = str(Path(sys.executable).parent / "etl")
    command = ["/usr/bin/time", "-v", etl, "run", "--config", str(cfg), "--date", "2021-09-22", "--date", "today"]
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    con = duckdb.connect(str(workdir / "data" / "warehouse.duckdb"), read_only=True)
    try:
        counts = {
            "article versions": con.execute("select count(*) from articles_versions").fetchall()[0][0],
            "sources with articles": con.execute("select count(distinct source) from articles_versions").fetchall()[0][
                0
            ],
            "sources in rejects": con.execute("select count(distinct source) from rejects").fetchall()[0][0],
            "failed sources": con.execute(
                "select count(*) from runs where status = 'failed' and dt = '2021-09-22'"
            ).fetchall()[0][0],
        }
    finally:
        con.close()
    return {
        "command": " ".join(command[2:]),
        "exit": done.returncode,
        "seconds": round(seconds, 1),
        "max_rss_mib": round(int(rss.group(1)) / 1024, 1) if rss else None,
        **counts,
    }


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--slow", type=float, default=60.0, help="seconds /slow waits before answering")
    parser.add_argument("--drip", type=float, default=1.0, help="seconds between two bytes of /drip")
    parser.add_argument("--config", type=Path, help="write a sources file for every path here, then serve")
    parser.add_argument("--run", action="store_true", help="run etl over every path at once, print time and RSS")
    parser.add_argument("--fast", action="store_true", help="with --run: the tests' short timeouts, not defaults")
    args = parser.parse_args()
    options = FAST if args.fast else {}
    slow = 3.0 if args.fast else args.slow
    with FaultServer(args.port, slow=slow, drip=0.1 if args.fast else args.drip) as server:
        if args.run:
            with tempfile.TemporaryDirectory(prefix="etl-faults-") as workdir:
                print(json.dumps(run_all_faults(server, options, Path(workdir)), indent=1))
            return
        if args.config:
            args.config.write_text(sources_yaml(server, options), encoding="utf-8")
        print(f"serving on {server.url('/')}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.stop_event.wait()


if __name__ == "__main__":
    main()
