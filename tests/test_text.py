"""Language, keywords and counts of a body (etl.text)."""

from __future__ import annotations

import pytest

from etl import text


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("这是一个关于经济发展的新闻报道，内容来自国内媒体。", "zh-Hans"),
        ("這是一個關於經濟發展的新聞報導，內容來自國內媒體。", "zh-Hant"),
        ("人生", "zh-Hans"),
        ("Apple shares closed at a record high on Monday after strong results.", "en"),
        ("アップルの株価は月曜日に過去最高値で取引を終えました。", "ja"),
        (
            "动画《某某物语》由カルロ・ゼン原作，故事讲述了主人公的冒险，今年秋季在日本播出，国内同步上线。" * 3,
            "zh-Hans",
        ),
        ("삼성전자는 오늘 새로운 스마트폰을 발표했습니다.", "ko"),
        (
            "Le gouvernement français a annoncé une nouvelle réforme des retraites hier soir, selon plusieurs "
            "sources proches du dossier, malgré les grèves qui paralysent le pays depuis des semaines entières.",
            None,
        ),
        ("12345 !!!", None),
        ("", None),
    ],
)
def test_language(sample: str, expected: str | None) -> None:
    assert text.language(sample) == expected


def test_chinese_keywords_by_tfidf_without_numbers() -> None:
    body = "新能源汽车销量持续增长。" * 3 + "2021年，新能源汽车产业链企业加快布局电池产能，电池价格上涨30%。" * 2
    found = text.keywords(body, "zh-Hans", k=5)
    assert found[:2] == ["新能源", "电池"] or set(found[:3]) >= {"新能源", "电池"}
    assert not any(w[0].isdigit() for w in found)
    assert len(found) <= 5


def test_english_keywords_by_frequency() -> None:
    body = "Apple said revenue grew. Revenue from services grew faster, and Apple expects services revenue to grow."
    assert text.keywords(body, "en", k=4) == ["revenue", "apple", "grew", "services"]  # ties: first seen first
    assert text.keywords("", "en") == [] and text.keywords("x", None) == []


def test_char_count_and_content_hash() -> None:
    assert text.char_count("一 二\n三\u3000四 ab") == 6
    assert text.content_hash("一二 三") == text.content_hash("一二\n三") != text.content_hash("一二三四")


def test_keywords_leave_out_pieces_of_credits_and_feed() -> None:
    from etl.entry import Entry
    from etl.extract import extract_post

    body = (
        "财联社9月22日电，某某集团公告称，集团将回购股份。集团表示，回购股份用于员工持股计划，回购价格不超过每股十元。"
    )
    rec = extract_post(Entry(key="k", html=f"<p>{body}</p>", feed="财联社/电报"), "s")
    assert rec["outlet"] == "财联社" and rec["keywords"]
    assert not any(k in "财联社/电报" for k in rec["keywords"])
    assert "回购" in rec["keywords"]
