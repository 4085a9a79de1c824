"""The fast paths of extraction give what the plain ones they replaced gave (issue 6): old and new side by side, on
hand-written fixtures and on generated input."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import text

# --- keywords: rjieba's segmentation for jieba's ---------------------------------------------------------------


@functools.cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


@functools.cache
def _dictionary_words() -> list[str]:
    spec = importlib.util.find_spec("jieba")
    assert spec is not None and spec.origin is not None
    lines = (Path(spec.origin).parent / "dict.txt").read_text(encoding="utf-8").splitlines()
    return [line.split(" ")[0] for line in lines[::40]]  # a spread of words, short and long, common and rare


def old_chinese_keywords(body: str, k: int = 8) -> list[str]:
    """text.chinese_keywords as it was: jieba.lcut and jieba.analyse's IDF table and stop words."""
    import jieba.analyse

    tfidf = jieba.analyse.default_tfidf
    counts: dict[str, int] = {}
    for word in _jieba().lcut(body[:4000], HMM=False):
        if len(word) < 2 or word.lower() in tfidf.stop_words or text._NOT_TERM.search(word):
            continue
        counts[word] = counts.get(word, 0) + 1
    scores = {w: n * tfidf.idf_freq.get(w, tfidf.median_idf) for w, n in counts.items()}
    return sorted(scores, key=lambda w: -scores[w])[:k]


SEGMENT_FIXTURES = [
    "",
    "新能源汽车销量持续增长。2021年，新能源汽车产业链企业加快布局电池产能，电池价格上涨30%。",
    "财联社（上海，编辑 潇湘）讯，某某集团公告称，集团将回购股份。\n责任编辑：张三",
    "苹果公司（Apple Inc.）发布iPhone 13 Pro Max，售价7999元起；A15芯片性能提升50%。",
    "  前后空白\r\n\t换行　全角空格\u3000与 ASCII   空格  ",
    "罕见字㐀㑇与扩展区𠀀𠀁，兼容区豈更，新增区\u9fd6\u9fea\u9fffEND",
    "Mixed English words, C++ & C# code_name 3.14% a-b-c ...",
    "表格：营业收入 1,234.56 万元 | 同比 +12.3% | 净利润 -5.6 亿元",
    "😀表情符号，★特殊符号※，①②③编号，ＡＢＣ全角字母１２３。",
    "长" * 5000,
]


@pytest.mark.parametrize("sample", SEGMENT_FIXTURES)
def test_segmentation_is_jiebas(sample: str) -> None:
    assert text.segment(sample) == _jieba().lcut(sample, HMM=False)


@pytest.mark.parametrize("sample", SEGMENT_FIXTURES)
def test_chinese_keywords_as_before(sample: str) -> None:
    assert text.chinese_keywords(sample) == old_chinese_keywords(sample)


_PIECES = st.one_of(
    st.sampled_from(_dictionary_words()) if importlib.util.find_spec("jieba") else st.just("词"),
    st.sampled_from(["，", "。", "、", "：", "（", "）", " ", "\n", "\r\n", "\u3000", "%", ".", "-", "_", "#", "&"]),
    st.text(alphabet="abcXYZ0123456789+", min_size=1, max_size=6),
    st.text(alphabet="的了在是人一中国大小上下㐀豈\u9fd6\u9fff𠀀😀ＡＢ１", min_size=1, max_size=3),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_segmentation_is_jiebas_on_generated_text(sample: str) -> None:
    assert text.segment(sample) == _jieba().lcut(sample, HMM=False)
    assert text.chinese_keywords(sample) == old_chinese_keywords(sample)


def test_idf_table_and_stop_words_are_jiebas() -> None:
    import jieba.analyse

    tfidf = jieba.analyse.default_tfidf
    idf, median = text._idf()
    assert idf == tfidf.idf_freq
    assert median == tfidf.median_idf
    assert tfidf.stop_words == text.JIEBA_STOP_WORDS


# --- front matter: libyaml's loader for the pure Python one -----------------------------------------------------

FRONT_MATTERS = [
    "title: 某某公司发布公告\ndate: Wed, 22 Sep 2021 13:01:34 GMT\ncategories:\n  - 财经\n  - 新浪财经 - 国内\n",
    "title: '引号 ''里'' 的标题'\ndate: 2021-09-22 21:01:34\ncategories:\n- 科技\n- 36kr - 快讯\ntags: []\n",
    'title: "一个\n  跨行的\n  标题"\ndate: Invalid Date\nheadimg: https://picsum.photos/400/300\n',
    "title:  \ndate: no\ncategories:\n  -  -  - news\nlink: https://example.com/a?b=1&c=2\nflag: yes\nn: 012\n",
    "title: &anchor 锚\nalias: *anchor\nmap: {a: 1, b: [x, y]}\nempty:\nnull_: ~\n",
]


@pytest.mark.parametrize("raw", FRONT_MATTERS)
def test_front_matter_loads_as_with_the_pure_python_loader(raw: str) -> None:
    import yaml

    from etl import hexo

    assert hexo._load_yaml(raw) == yaml.load(raw, Loader=yaml.BaseLoader)


@pytest.mark.parametrize("raw", ["title: a: b: [\n", "title: 'open\n", "- a\nb: c\n", 'title: """"\'X\'""""\n'])
def test_broken_front_matter_fails_with_the_pure_python_message(raw: str) -> None:
    import yaml

    from etl import hexo

    with pytest.raises(yaml.YAMLError) as slow:
        yaml.load(raw, Loader=yaml.BaseLoader)
    with pytest.raises(yaml.YAMLError) as fast:
        hexo._load_yaml(raw)
    assert str(fast.value) == str(slow.value)


# --- counts, hash, language, minhash ---------------------------------------------------------------------------

_TEXTS = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            "这們個国國为為说說的了是人中文ABCabc the and of 日本語カタカナひらがな한국어 \n\t\u3000\xa0１２ＡＢ"
        ),
        st.characters(codec="utf-8"),
    ),
    max_size=200,
)


def old_language(sample_text: str) -> str | None:
    """text.language as it was: the scripts counted by regular expressions."""
    sample = sample_text[:4000]
    han, kana, hangul = (len(p.findall(sample)) for p in (text._HAN, text._KANA, text._HANGUL))
    words = [w.lower() for w in text._LATIN_WORD.findall(sample)]
    if kana >= 5 and kana * 4 >= han:
        return "ja"
    if hangul >= 5 and hangul > han:
        return "ko"
    if han >= 2 and han >= len(words):
        simp, trad = len(text._SIMPLIFIED_RE.findall(sample)), len(text._TRADITIONAL_RE.findall(sample))
        return "zh-Hant" if trad > simp else "zh-Hans"
    if len(words) >= 3 and (len(words) < 20 or sum(w in text.ENGLISH_STOPWORDS for w in words) * 20 >= len(words)):
        return "en"
    return None


def old_minhash_bands(body: str) -> list[int] | None:
    """dedupe.minhash_bands as it was: every hash shifted, then the minimum; one (shingles x 64) product at once."""
    import hashlib

    import numpy as np

    from etl import dedupe

    chars = "".join(body.split())
    if not chars:
        return None
    codes = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    width = min(5, len(codes))
    count = len(codes) - width + 1
    hashes = np.zeros(count, dtype=np.uint64)
    for offset in range(width):
        hashes = hashes * np.uint64(1_000_003) + codes[offset : offset + count]
    hashes = np.unique(dedupe._mix(hashes))
    a, b = dedupe._params()
    signature = ((hashes[:, None] * a + b) >> np.uint64(32)).min(axis=0)
    keys = []
    for band in signature.reshape(8, 8):
        digest = hashlib.blake2b(band.astype("<u8").tobytes(), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_counts_hash_and_language_as_before(sample: str) -> None:
    import hashlib
    import re
    import unicodedata

    assert text.char_count(sample) == len(re.sub(r"\s+", "", sample))
    norm = unicodedata.normalize("NFKC", "".join(sample.split()))
    assert text.content_hash(sample) == hashlib.sha256(norm.encode("utf-8")).hexdigest()[:32]
    assert text.language(sample) == old_language(sample)
    assert text.language(sample * 30) == old_language(sample * 30)


@pytest.mark.parametrize(
    "sample",
    [
        "",
        "这是中文新闻。" * 50,
        "這是繁體中文新聞。" * 50,
        "カタカナとひらがなの日本語" * 3,
        "한국어 뉴스입니다" * 3,
        "\ud800孤立",
    ],
)
def test_language_as_before_on_fixtures(sample: str) -> None:
    assert text.language(sample) == old_language(sample)


@settings(max_examples=200, deadline=None)
@given(_TEXTS)
def test_minhash_as_before(sample: str) -> None:
    from etl import dedupe

    assert dedupe.minhash_bands(sample) == old_minhash_bands(sample)


@pytest.mark.parametrize("size", [1, 4, 5, 6, 4095, 4096, 4101, 9000])
def test_minhash_as_before_across_chunks(size: int) -> None:
    import random

    from etl import dedupe

    rng = random.Random(size)
    body = "".join(rng.choice("新闻报道市场经济abc ") for _ in range(size))
    assert dedupe.minhash_bands(body) == old_minhash_bands(body)
