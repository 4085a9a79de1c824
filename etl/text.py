"""Small text measures: whitespace folding, language, character count, content hash, keywords."""

from __future__ import annotations

import collections
import functools
import hashlib
import re
import unicodedata
from typing import Any

_ASCII_WS = re.compile(r"[ \t\n\r\f\v]+")
_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")
# Tokens that are not terms: numbers, amounts, percentages, punctuation runs.
_NOT_TERM = re.compile(r"^[\W\d_]+$|^\d")
# Characters far more common in one script than the other; enough to tell zh-Hans from zh-Hant in news text.
_SIMPLIFIED = set(
    "这们个国为说时会来对发过还经进后实现开关问题门长动务报东车马鱼鸟书学习产业银财网买卖与从将让记间应该线场电视话"
    "语价钱级区县万亿计划体节员总统设备认识达运"
)
_TRADITIONAL = set(
    "這們個國為說時會來對發過還經進後實現開關問題門長動務報東車馬魚鳥書學習產業銀財網買賣與從將讓記間應該線場電視話"
    "語價錢級區縣萬億計劃體節員總統設備認識達運"
)

_SIMPLIFIED_RE = re.compile("[" + "".join(sorted(_SIMPLIFIED)) + "]")
_TRADITIONAL_RE = re.compile("[" + "".join(sorted(_TRADITIONAL)) + "]")

ENGLISH_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers him his how i if in into is it its itself just like may me might more
    most much must my new no nor not now of off on once one only or other our ours out over own same
    says said she should so some such than that the their theirs them then there these they this those
    through to too two under until up very was we were what when where which while who whom why will
    with would year years you your""".split()
)


# Script of each BMP character, for counting a text's scripts in one vectorised pass (`script_counts`).
_OTHER, _HAN_ONLY, _KANA_CLASS, _HANGUL_CLASS, _HAN_SIMPLIFIED, _HAN_TRADITIONAL = range(6)


@functools.cache
def _script_table() -> Any:
    import numpy as np

    table = np.zeros(0x10000, dtype=np.uint8)  # the last entry stands for every character past the BMP: none
    table[0x4E00:0xA000] = table[0x3400:0x4DC0] = _HAN_ONLY
    table[0x3040:0x3100] = _KANA_CLASS
    table[0xAC00:0xD7B0] = _HANGUL_CLASS
    table[[ord(c) for c in _SIMPLIFIED]] = _HAN_SIMPLIFIED
    table[[ord(c) for c in _TRADITIONAL]] = _HAN_TRADITIONAL
    return table


def script_counts(sample: str) -> tuple[int, int, int, int, int]:
    """Characters of the sample that are Han, kana, Hangul, typically simplified, typically traditional: what
    _HAN, _KANA, _HANGUL, _SIMPLIFIED_RE and _TRADITIONAL_RE would find, counted without a list of matches."""
    import numpy as np

    codes = np.frombuffer(sample.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    counts = np.bincount(_script_table()[np.minimum(codes, 0xFFFF)], minlength=6).tolist()
    simp, trad = counts[_HAN_SIMPLIFIED], counts[_HAN_TRADITIONAL]
    return counts[_HAN_ONLY] + simp + trad, counts[_KANA_CLASS], counts[_HANGUL_CLASS], simp, trad


def fold(text: str) -> str:
    """Runs of ASCII whitespace to one space, ends trimmed of all whitespace (U+3000 included)."""
    return _ASCII_WS.sub(" ", text).strip()


LANGUAGE_SAMPLE = 4000  # characters read


def language(text: str) -> str | None:
    """zh-Hans, zh-Hant, ja, ko or en by the scripts a text is written in; None when too little to tell."""
    sample = text[:LANGUAGE_SAMPLE]
    han, kana, hangul, simp, trad = script_counts(sample)
    words = _LATIN_WORD.findall(sample)  # lowered only when they are counted against stopwords
    if kana >= 5 and kana * 4 >= han:  # Japanese mixes kana into its kanji; Chinese quotes a name or two
        return "ja"
    if hangul >= 5 and hangul > han:
        return "ko"
    if han >= 2 and han >= len(words):
        return "zh-Hant" if trad > simp else "zh-Hans"
    if len(words) >= 3 and (len(words) < 20 or sum(w.lower() in ENGLISH_STOPWORDS for w in words) * 20 >= len(words)):
        return "en"
    return None


# Full-width punctuation and its NFKC form, one ASCII character each.
WIDE_PUNCTUATION = tuple((c, unicodedata.normalize("NFKC", c)) for c in "，：（）！？；％")


def squeeze(text: str) -> str:
    """The text without its whitespace (str.split's whitespace is re's \\s: both are str.isspace)."""
    return "".join(text.split())


def char_count(text: str) -> int:
    """Characters a reader reads: everything but whitespace."""
    return len(squeeze(text))


def content_hash(text: str) -> str:
    """Hash of the body with whitespace removed and width normalised, so re-wrapping does not change it."""
    return squeezed_hash(squeeze(text))


def squeezed_hash(squeezed: str) -> str:
    """content_hash of a text already squeezed."""
    # Chinese text is rarely NFKC only for its full-width punctuation. Each mark's NFKC form is one ASCII character
    # (its whole compatibility decomposition), so replacing it first leaves the NFKC of the text as it was; then the
    # quick check, far cheaper than normalising, usually finds nothing left to do.
    norm = squeezed
    for wide, narrow in WIDE_PUNCTUATION:
        if wide in norm:
            norm = norm.replace(wide, narrow)
    if not unicodedata.is_normalized("NFKC", norm):
        norm = unicodedata.normalize("NFKC", norm)
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:32]


def english_keywords(text: str, k: int = 8) -> list[str]:
    """Most frequent words that are not stopwords; ties keep the order of first appearance."""
    words = [w.lower().strip("'-") for w in _LATIN_WORD.findall(text)]
    counts = collections.Counter(w for w in words if w not in ENGLISH_STOPWORDS and len(w) > 2)
    return [w for w, _ in counts.most_common(k)]


_KEYWORD_SPAN = 4000


# jieba's own TF-IDF stop words (jieba.analyse.KeywordExtractor.STOP_WORDS; a test holds them equal).
JIEBA_STOP_WORDS = frozenset(
    "all an and are as at be by can for from has have if in is it not of on one or that the then this to we which "
    "with you".split()
)


@functools.cache
def _idf() -> tuple[dict[str, float], float]:
    """jieba's IDF table and its median, read as jieba.analyse reads them, once per process.

    Read from the file rather than through jieba.analyse, whose import loads the part-of-speech model (about a
    second per worker process) that keywords never use."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("jieba")
    assert spec is not None and spec.origin is not None
    idf: dict[str, float] = {}
    for line in (Path(spec.origin).parent / "analyse" / "idf.txt").read_bytes().decode("utf-8").splitlines():
        word, freq = line.strip().split(" ")
        idf[word] = float(freq)
    return idf, sorted(idf.values())[len(idf) // 2]


def segment(text: str) -> list[str]:
    """jieba's dictionary words of a text, without HMM guesses: `jieba.lcut(text, HMM=False)`, computed by rjieba
    (jieba's algorithm and dictionary in Rust, about ten times faster; tests hold the two equal)."""
    import rjieba

    words: list[str] = rjieba.cut(text, hmm=False)
    return words


# Each word's IDF weight, 0 when it is not a term (jieba's IDFs are all positive), remembered across documents: a
# vocabulary repeats.
_TERM_WEIGHTS: dict[str, float] = {}
_TERM_CACHE_SIZE = 200_000  # words (some 20 MB); cleared past it, as numbers and names keep coming


def _term_weight(word: str, idf: dict[str, float], median: float) -> float:
    if len(word) < 2 or word.lower() in JIEBA_STOP_WORDS or _NOT_TERM.search(word):
        return 0.0
    return idf.get(word, median)


def chinese_keywords(text: str, k: int = 8) -> list[str]:
    """Top terms by TF-IDF over jieba's dictionary words (no HMM guesses, which split names into fragments)."""
    idf, median = _idf()
    # The opening of a long body names its subject: cutting the rest (long tables, say) saves most of the time.
    # Counted first (in order of first appearance), so each distinct word is tested once.
    import numpy as np

    counts = collections.Counter(segment(text[:_KEYWORD_SPAN]))
    weights = _TERM_WEIGHTS
    if len(weights) > _TERM_CACHE_SIZE:
        weights.clear()
    words = list(counts)
    found: list[float | None] = list(map(weights.get, words))
    if None in found:
        for i, weight in enumerate(found):
            if weight is None:
                found[i] = weights[words[i]] = _term_weight(words[i], idf, median)
    # count x IDF (float64, as Python's int * float); the k best, ties in order of first appearance (a stable sort
    # of the negated scores); 0 is no term.
    scores = np.fromiter(counts.values(), dtype=np.float64, count=len(words)) * np.array(found, dtype=np.float64)
    terms = np.flatnonzero(scores)
    best = terms[np.argsort(-scores[terms], kind="stable")[:k]]
    return [words[i] for i in best.tolist()]


def keywords(text: str, lang: str | None, k: int = 8) -> list[str]:
    if not text:
        return []
    if lang and lang.startswith("zh"):
        return chinese_keywords(text, k)
    if lang == "en":
        return english_keywords(text, k)
    return []
