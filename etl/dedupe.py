"""Near-duplicate keys: a MinHash of each body's 5-character shingles, cut into bands for lookup.

Two bodies whose shingle sets overlap with Jaccard J agree on a band with probability 1 - (1 - J^8)^8: 0.99 at
J = 0.9, 0.03 at J = 0.5. The warehouse's near_duplicates view joins articles on equal band keys to find candidate
pairs without comparing every pair, then computes the exact Jaccard of the candidates' shingles.
Keys are stable across runs, machines and library versions: every constant derives from fixed strings.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

SHINGLE = 5  # characters per shingle, whitespace removed (as in the body F1 of make accuracy)
BANDS, ROWS = 8, 8  # 64 hash functions in 8 bands of 8
_CHUNK = 4096  # shingles hashed at a time: bounds memory on very long bodies


def shingle_text(body: str) -> str:
    return "".join(body.split())


def _constant(label: str) -> int:
    return int.from_bytes(hashlib.blake2b(label.encode(), digest_size=8).digest(), "little")


@cache
def _params() -> tuple[Any, Any]:
    import numpy as np

    a = np.array([_constant(f"minhash-a-{i}") | 1 for i in range(BANDS * ROWS)], dtype=np.uint64)
    b = np.array([_constant(f"minhash-b-{i}") for i in range(BANDS * ROWS)], dtype=np.uint64)
    return a, b


def _mix(x: Any) -> Any:
    """splitmix64's finaliser: spreads the bits of the shingles' polynomial hashes."""
    import numpy as np

    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def shingle_hashes(body: str) -> Any:
    """Distinct 64-bit hashes of the body's 5-character shingles (the whole text when it is shorter)."""
    import numpy as np

    return np.unique(_hashes_of(shingle_text(body)))


def _hashes_of(chars: str) -> Any:
    """64-bit hashes of the shingles, in text order, repeats included (a minimum does not care)."""
    import numpy as np

    codes = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    width = min(SHINGLE, len(codes))
    count = len(codes) - width + 1
    hashes = codes[:count].copy()
    for offset in range(1, width):
        hashes *= np.uint64(1_000_003)  # wraps modulo 2**64
        hashes += codes[offset : offset + count]
    return _mix(hashes)


def minhash_bands(body: str) -> list[int] | None:
    """The body's 8 band keys (signed 64-bit, for Parquet and DuckDB); None for a body without text."""
    return minhash_of(shingle_text(body))


def minhash_of(chars: str) -> list[int] | None:
    """minhash_bands of a body whose whitespace is already removed (`shingle_text`)."""
    import numpy as np

    if not chars:
        return None
    hashes = _hashes_of(chars)
    a, b = _params()
    # Array arithmetic on uint64 wraps modulo 2**64 silently, as hashing wants. One hash function per row, the
    # shingles along it: (a*h + b) in place, chunk by chunk; the minimum is shifted once at the end, which is the
    # minimum of the shifted values as a shift never reorders.
    chunk = min(len(hashes), _CHUNK)
    work = np.empty((BANDS * ROWS, chunk), dtype=np.uint64)
    signature = np.full(BANDS * ROWS, np.iinfo(np.uint64).max, dtype=np.uint64)
    for start in range(0, len(hashes), chunk):
        part = hashes[start : start + chunk]
        out = work[:, : len(part)]
        np.multiply.outer(a, part, out=out)
        out += b[:, None]
        np.minimum(signature, out.min(axis=1), out=signature)
    signature >>= np.uint64(32)
    rows = signature.astype("<u8").tobytes()
    width = ROWS * 8  # bytes of a band
    return [
        int.from_bytes(hashlib.blake2b(rows[i : i + width], digest_size=8).digest(), "little", signed=True)
        for i in range(0, len(rows), width)
    ]


def jaccard(left: str, right: str) -> float:
    """Exact Jaccard of two bodies' 5-character shingle sets (what the near_duplicates view computes in SQL)."""

    def shingles(body: str) -> set[str]:
        chars = shingle_text(body)
        if len(chars) < SHINGLE:
            return {chars} if chars else set()
        return {chars[i : i + SHINGLE] for i in range(len(chars) - SHINGLE + 1)}

    a, b = shingles(left), shingles(right)
    return len(a & b) / len(a | b) if a or b else 1.0
