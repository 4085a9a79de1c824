"""Charsets: labels are believed only when the bytes fit them; wrong or missing labels fall back to detection."""

from __future__ import annotations

import codecs

import pytest

from etl import encoding, feeds
from etl.entry import RejectError

from .faultserver import BODIES, BODY, page, rss

SIMPLIFIED = "上海证券交易所今日发布公告，称将进一步完善市场制度，提高上市公司质量。记者王五报道。"
TRADITIONAL = BODIES["big5"]
JAPANESE = BODIES["cp932"]


def html(text: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>t</title></head><body><p>{text}</p><p>{text}</p></body></html>"


@pytest.mark.parametrize(
    ("text", "codec", "content_type"),
    [
        pytest.param(html(SIMPLIFIED), "gb18030", "text/html; charset=utf-8", id="gbk-labelled-utf8"),
        pytest.param(html(SIMPLIFIED), "gb18030", None, id="gbk-unlabelled"),
        pytest.param(html(SIMPLIFIED, '<meta charset="gb2312">'), "gb18030", None, id="gbk-meta-gb2312"),
        pytest.param(html(TRADITIONAL), "big5", None, id="big5-unlabelled"),
        pytest.param(html(TRADITIONAL, '<meta charset="big5">'), "big5", "text/html; charset=utf-8", id="big5-meta"),
        pytest.param(html(JAPANESE), "cp932", "text/html; charset=iso-8859-1", id="sjis-labelled-latin1"),
        pytest.param(html(JAPANESE, '<meta charset="shift_jis">'), "cp932", None, id="sjis-meta"),
        pytest.param(html(SIMPLIFIED), "utf-8", "text/html; charset=gbk", id="utf8-labelled-gbk"),
        pytest.param(html(SIMPLIFIED, '<meta charset="big5">'), "utf-8", None, id="utf8-meta-big5"),
        pytest.param(html("café, résumé, naïve, déjà vu"), "cp1252", "text/html; charset=iso-8859-1", id="latin1"),
        pytest.param(html(JAPANESE, '<meta charset="iso-2022-jp">'), "iso-2022-jp", None, id="iso-2022-jp"),
        pytest.param(html("plain ascii"), "ascii", "text/html; charset=klingon", id="unknown-label"),
        # A multi-byte label that decodes without error but reads as a mess yields to detection.
        pytest.param(html(TRADITIONAL, '<meta charset="gbk">'), "big5", None, id="big5-meta-gbk"),
        pytest.param(html(SIMPLIFIED), "gb18030", "text/html; charset=big5", id="gbk-labelled-big5"),
        pytest.param(html(JAPANESE, '<meta charset="gb2312">'), "cp932", None, id="sjis-meta-gb2312"),
        # Short, correctly labelled texts keep their label.
        pytest.param("<p>你好</p>", "gb18030", "text/html; charset=gbk", id="short-gbk"),
        pytest.param("<p>臺灣</p>", "big5", "text/html; charset=big5", id="short-big5"),
        pytest.param("<p>Grüße aus Köln</p>", "cp1252", "text/html; charset=iso-8859-1", id="short-latin1"),
    ],
)
def test_decode_without_mojibake(text: str, codec: str, content_type: str | None) -> None:
    assert encoding.decode(text.encode(codec), content_type) == text


@pytest.mark.parametrize(
    ("prefix", "codec"),
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
def test_a_bom_beats_any_label(prefix: bytes, codec: str) -> None:
    text = html(SIMPLIFIED)
    assert encoding.decode(prefix + text.encode(codec), "text/html; charset=gbk") == text


def test_utf16_xml_without_bom() -> None:
    text = '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"></rss>'
    assert encoding.decode(text.encode("utf-16-le")) == text


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"\x1f\x8b\x08\x00" + bytes(range(32)) * 4])
def test_binary_is_rejected(data: bytes) -> None:
    with pytest.raises(RejectError, match="binary content"):
        encoding.decode(data)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (rss("gbk", encoding="gb18030", declare=None), "application/rss+xml; charset=utf-8"),
        (rss("gbk", encoding="gb18030", declare="gb2312"), None),
        (rss("gbk", encoding="gb18030", declare="utf-8"), "text/xml"),  # the declaration lies too
        (rss("big5", encoding="big5", declare=None), None),
        (rss("sjis", encoding="cp932", declare="shift_jis"), "text/xml; charset=iso-8859-1"),
        # Two declarations, the first one lying (found by the mutation test: expat refused the second one's GB2312).
        (b'<?xml version="1.0" encoding="shift_jis"?>' + rss("gbk", encoding="gb18030", declare="gb2312"), None),
    ],
)
def test_feeds_in_legacy_charsets(data: bytes, content_type: str | None) -> None:
    items = feeds.parse_feed(data, content_type=content_type).items
    assert len(items) == 2
    assert any(body in items[0].html for body in (BODY, *BODIES.values()))


def test_pages_in_legacy_charsets() -> None:
    for codec, meta in (("gb18030", None), ("big5", "big5"), ("cp932", None)):
        text = encoding.decode(page("p", codec, meta), "text/html; charset=iso-8859-1")
        assert BODIES.get(codec, BODY) in text
