"""Bytes to text: the declared charset (BOM, HTTP header, XML declaration, <meta>), checked, then detection.

A label is only believed when the bytes fit it. Valid UTF-8 with non-ASCII bytes in it is UTF-8 whatever the label
says: no legacy CJK text of any length is valid UTF-8 by accident, while UTF-8 mislabelled GBK is common. Single-byte
and CJK codecs decode most bytes without error, so under those labels the text must also read as text (not a mess,
to charset-normalizer); otherwise detection decides.
"""

from __future__ import annotations

import codecs
import re

from etl.entry import RejectError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# "<?" in UTF-16 without a BOM: an XML declaration tells its own byte order.
_UTF16_XML = ((b"<\x00?\x00", "utf-16-le"), (b"\x00<\x00?", "utf-16-be"))
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([\w.:-]+)[\"']", re.I)
_META = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
# Labels that sites send for what is really a superset; decoding with the superset loses nothing.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    "big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
}
# Multi-byte CJK codecs; like single-byte ones, they decode most byte strings without error.
_CJK = frozenset({"gb18030", "big5hkscs", "cp950", "cp932", "euc_jp", "cp949", "euc_kr"})


def _normal(label: str) -> str | None:
    name = label.strip().lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _exact(label: str) -> str | None:
    try:
        return codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None


def _single_byte(codec: str) -> bool:
    return codec.startswith(("cp125", "iso8859", "latin", "mac-", "koi8", "cp437", "cp850"))


def looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    if sample.startswith(tuple(bom for bom, _ in _BOMS) + tuple(p for p, _ in _UTF16_XML)):
        return False
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))  # (a loop over the bytes costs 100x)
    return bool(sample) and controls / len(sample) > 0.05


_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])  # C0 controls but tab, newline, vertical tab, form feed, CR


def labels(data: bytes, content_type: str | None = None) -> list[str]:
    """The charsets the document declares, most authoritative first (BOM, HTTP header, XML declaration, <meta>)."""
    found = [name for bom, name in _BOMS if data.startswith(bom)][:1]
    found += [name for prefix, name in _UTF16_XML if data.startswith(prefix)]
    if content_type and (header := _HEADER_CHARSET.search(content_type)):
        found.append(header.group(1))
    head = data[:4096]
    for pattern in (_XML_DECL, _META):
        if inline := pattern.search(head):
            found.append(inline.group(1).decode("ascii"))
    # The superset first; the label as written after it, for bytes the superset lacks (Python's big5hkscs does not
    # hold all of big5's ETEN extensions, such as its kana).
    names: list[str] = []
    for label in found:
        for name in (_normal(label), _exact(label)):
            if name and name not in names:
                names.append(name)
    return names


def declared(data: bytes, content_type: str | None = None) -> str | None:
    """The first charset the document declares, whether or not it fits."""
    return next(iter(labels(data, content_type)), None)


def _fits(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return _normal(best.encoding) if best is not None else None


def _messy(data: bytes, codec: str) -> bool:
    """Read as `codec`, the text is a mess (charset-normalizer: unlikely sequences of characters)."""
    from charset_normalizer import from_bytes

    return from_bytes(data, cp_isolation=[codec], preemptive_behaviour=False).best() is None


def charset(data: bytes, content_type: str | None = None) -> str:
    """The codec to read `data` with; RejectError when none fits."""
    declared_ = labels(data, content_type)
    if declared_ and declared_[0].startswith(("utf-8-sig", "utf-16", "utf-32")) and _fits(data, declared_[0]):
        return declared_[0]
    if not data.isascii() and _fits(data, "utf-8"):
        return "utf-8"
    for codec in declared_:
        if codec.startswith(("utf-16", "utf-32")) or not _fits(data, codec):
            continue
        # Single-byte and GB18030-like codecs decode nearly any bytes, so fitting proves little: a label whose
        # reading is a mess yields to detection (Big5 labelled GBK, GBK labelled ISO-8859-1 or Shift-JIS).
        if (
            not data.isascii()
            and (_single_byte(codec) or codec in _CJK)
            and _messy(data, codec)
            and (guess := _detect(data)) not in (None, codec)
            and _fits(data, str(guess))
        ):
            return str(guess)
        return codec
    if data.isascii():
        return "utf-8"
    guess = _detect(data)
    if guess is None or not _fits(data, guess):
        raise RejectError("undecodable text: no charset fits")
    return guess


def decode(data: bytes, content_type: str | None = None) -> str:
    """Decode web bytes (pages and feeds); RejectError for binary content or bytes no charset fits."""
    if looks_binary(data):
        raise RejectError("binary content, not text")
    return data.decode(charset(data, content_type)).lstrip("\ufeff")


def decode_utf8(data: bytes) -> str:
    """Text that must be UTF-8 (Hexo posts); anything else is a wrong encoding."""
    if looks_binary(data):
        raise RejectError("binary content, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RejectError(f"wrong encoding: not valid UTF-8 (byte {exc.start})") from exc
