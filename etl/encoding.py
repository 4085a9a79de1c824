"""Bytes to text: declared charset (HTTP header, BOM, XML declaration, <meta>), then detection."""

from __future__ import annotations

import codecs
import re

from etl.entry import RejectError

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([\w.:-]+)[\"']", re.I)
_META = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
# Labels that sites send for what is really a superset; decoding with the superset loses nothing.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
}


def _normal(label: str) -> str | None:
    name = label.strip().lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return bool(sample) and controls / len(sample) > 0.05


def declared(data: bytes, content_type: str | None = None) -> str | None:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    if content_type and (header := _HEADER_CHARSET.search(content_type)) and (found := _normal(header.group(1))):
        return found
    head = data[:4096]
    for pattern in (_XML_DECL, _META):
        if (inline := pattern.search(head)) and (found := _normal(inline.group(1).decode("ascii"))):
            return found
    return None


def decode(data: bytes, content_type: str | None = None) -> str:
    """Decode web bytes; a declared charset that does not fit falls back to detection."""
    if looks_binary(data):
        raise RejectError("binary content, not text")
    name = declared(data, content_type)
    if name:
        try:
            return data.decode(name).lstrip("\ufeff")
        except UnicodeDecodeError:
            pass  # the label lies; detect instead
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise RejectError("undecodable text: no charset fits")
    return str(best)


def decode_utf8(data: bytes) -> str:
    """Text that must be UTF-8 (Hexo posts); anything else is a wrong encoding."""
    if looks_binary(data):
        raise RejectError("binary content, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RejectError(f"wrong encoding: not valid UTF-8 (byte {exc.start})") from exc
