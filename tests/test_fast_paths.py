"""The fast paths of extraction give what the plain ones they replaced gave (issue 6): old and new side by side, on
hand-written fixtures and on generated input."""

from __future__ import annotations

import functools
import importlib.util
import re
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
            "这們個国國为為说說的了是人中文ABCabc the and of 日本語カタカナひらがな한국어 \n\t\u3000\xa0１２ＡＢ，：（）！？；％ｶﾞ\u0301"
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


# --- the walk: lxml's tree for BeautifulSoup's ------------------------------------------------------------------

WALK_FIXTURES = [
    "",
    "  ",
    "<!-- only a comment -->",
    "plain text<br>second line<br/>third",
    '<?xml version="1.0" encoding="utf-8"?><p>after a declaration</p>',
    "<!-- before --><p>a</p><!-- after -->",
    "<p>a<?php echo 1; ?>b</p>",
    '<p cms-style="font-L">\u3000\u3000正文第一段。</p><div class="img_wrapper"><img src="https://n.sinaimg.cn/a.jpg">'
    '<span class="img_descr">图片说明</span></div><p>第二段<span id="stock_sh601818">光大银行</span>。</p>'
    "<!--article_adlist[<p>校对：刘威</p>]article_adlist--><!-- news_keyword_pub,stock,sh601818&sz000061 -->"
    '<p class="article-editor">责任编辑：张三 SF055</p>',
    "<table><caption>表</caption><tr><th>名称</th><th>数值</th></tr><tr><td>甲<br>乙</td><td><p>1</p><p>2</p></td></tr>"
    "<tr><td><table><tr><td>内层</td></tr></table></td><td>外层</td></tr></table>",
    "<figure><img data-src='//x/y.png' alt='替代 文字'><figcaption>说明 <b>粗</b></figcaption></figure>",
    "<figure><img src='data:image/png;base64,xx'><img src='https://x/qrcode.png'>裸文字</figure>",
    "<h2>Read also</h2><p>not body</p><img src='https://x/skip.jpg'><h2>Next</h2><p>body again</p>",
    "<h3>Follow my work</h3><p>Outlet: Example</p><h3>相关阅读</h3><p>链接</p>",
    "<div style='display: none'>hidden</div><div hidden>also</div><span aria-hidden='true'>x</span>"
    "<div class='share-box'>share</div><div class='mod-qrcode'>qr</div><p>kept</p>",
    "<p><a href='https://finance.sina.com.cn/realstock/company/sh600000/nc.shtml'>浦发</a>"
    "<a class='trsHotWords' code=' 000001 '>平安</a><a href='https://quote.example/ss600519'>茅台</a></p>",
    "<ruby>漢<rt>かん</rt></ruby><h2>标<script>x</script><style>y</style>题</h2><h2><rt>Read also</rt></h2><p>z</p>",
    "<div data-etl-credit><p>作者：李四</p><img src='https://x/a.jpg'></div><p>正文</p>",
    "<ul><li>一</li><li>二<ul><li>三</li></ul></li></ul><pre>  keep\n  lines </pre><o:p>word</o:p>",
    "<p>unclosed <b>bold <i>both</p> after</b> tail</i><div><p>nested<div>block in p</div></p></div>",
    "<p>&amp; &lt;tag&gt; &nbsp; &#x4e2d; &copy;</p><noscript><p>no</p></noscript><template><p>t</p></template>",
]


def _walks(html: str) -> None:
    from etl import extract, rules

    from . import bs4_walker

    for site in (rules.GENERIC, *rules.SITES):
        assert extract.read(extract.parse_html(html), site) == bs4_walker.read_html(html, site), site.name


@pytest.mark.parametrize("html", WALK_FIXTURES)
def test_walk_as_before(html: str) -> None:
    _walks(html)


def test_walk_as_before_on_the_fixture_post() -> None:
    from etl import hexo

    from .conftest import FIXTURES

    _walks(hexo.parse_post((FIXTURES / "sina_post.md").read_text(encoding="utf-8"), key="k").html)


_TAGS = "p div span br img table tr td th figure figcaption h2 h3 a b script style rt section li ul pre caption".split()
_ATTRS = st.sampled_from(
    [
        "",
        ' class="img_wrapper"',
        ' class="img_descr"',
        ' class="article-editor"',
        ' class="share x"',
        ' class="top-qrcode"',
        ' class="ad"',
        ' id="stock_sz000001"',
        ' id="related"',
        ' style="display:none"',
        ' style="color: red"',
        " hidden",
        ' aria-hidden="true"',
        " data-etl-credit",
        ' src="https://x/a.jpg" alt="图"',
        ' data-src="https://x/b.jpg"',
        ' src="https://x/qrcode.jpg"',
        ' href="https://x/sh600000/"',
        ' code="600519"',
    ]
)
_WORDS = st.sampled_from(
    [
        "正文",
        "责任编辑：王五",
        "记者 张三",
        "Read also",
        "相关阅读",
        "Follow my work",
        " ",
        "\n",
        "\u3000",
        "&amp;",
        "a b",
    ]
)


def _markup(
    leaf: st.SearchStrategy[str],
    tags: list[str],
    attrs: st.SearchStrategy[str],
    strays: list[str],
    depth: int,
) -> st.SearchStrategy[str]:
    """HTML nested `depth` deep from these leaves, tags and attributes, with stray tags that leave it unbalanced."""
    if depth == 0:
        return leaf
    element = st.tuples(
        st.sampled_from(tags), attrs, st.lists(_markup(leaf, tags, attrs, strays, depth - 1), max_size=4)
    ).map(lambda t: f"<{t[0]}{t[1]}>{''.join(t[2])}</{t[0]}>")
    return st.one_of(leaf, element, st.sampled_from(strays))


def _html_nodes(depth: int) -> st.SearchStrategy[str]:
    leaf = st.one_of(
        _WORDS,
        st.just("<br>"),
        st.just("<!--article_adlist[<p>校对：刘威</p>]article_adlist-->"),
        st.just("<!-- news_keyword_pub,stock,sh600000 -->"),
        _ATTRS.map(lambda a: f"<img{a}>"),
    )
    return _markup(leaf, _TAGS, _ATTRS, ["</p>", "<p>", "</div>", "<td>", "</table>"], depth)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_html_nodes(3), max_size=8).map("".join))
def test_walk_as_before_on_generated_html(html: str) -> None:
    _walks(html)


# --- credits: a substring test before each costly search -------------------------------------------------------

CREDIT_LINES = [
    "券商中国记者梳理了解到，多家公司已公告。",
    "对《证券日报》记者表示，公司将继续推进。",
    "据界面新闻不完全统计，今年以来共有十家。",
    "他告诉澎湃新闻，这一数字还在增长。",
    "每日经济新闻从多个渠道获悉，该项目已暂停。",
    "（上海，编辑 潇湘）",
    "【某某时报记者 赵六 钱七】",
    "来源：光明日报 作者：吴亚琦",
    "本文来自微信公众号“某某研究”，作者：张三",
    "校对：刘威",
    "每经编辑 张三",
    "Follow my work on Twitter",
    "►文 观察者网 陶梦",
    "……的最后一句。 （数据宝）",
    "责任编辑：王五 SF055",
]
_CREDITISH = st.lists(
    st.one_of(
        st.sampled_from(CREDIT_LINES),
        st.sampled_from(
            ["记者", "编辑", "校对", "来源", "本文来自", "（", "）", "(", ")", "【", "】", "：", " ", "　"]
        ),
        st.sampled_from(["澎湃新闻", "张三", "北京", "不完全统计", "告诉", "对", "向", "获悉", "发现", "，", "。"]),
        st.sampled_from(
            ["文", "►", "文/", "作者：", "责任编辑：", "责编", "（新华社）", "。（央视新闻）", "\n", "首席"]
        ),
        st.sampled_from(
            ["新华社北京9月22日电", "财联社8月17日讯", "IT之家 9 月 26 日消息", "【深圳商报讯】", "每经AI快讯", "电"]
        ),
    ),
    max_size=12,
).map("".join)


def _needs_hold(para: str) -> None:
    from etl import credits, rules

    for pattern, needs in zip(rules.SELF_REFERENCES, rules.SELF_REFERENCE_NEEDS, strict=True):
        assert not pattern.search(para) or any(n in para for n in needs), pattern.pattern
    assert not rules.BRACKETED.search(para) or any(b in para for b in credits._OPENERS)
    assert not rules.SOURCE_LINE.search(para) or "来源" in para
    assert not rules.FROM_LINE.search(para) or "本文来自" in para
    assert not rules.EDITOR_CREDIT.search(para) or "编辑" in para
    assert not rules.PROOFREADER.search(para) or "校对" in para
    assert not rules.EDITOR_LINE.search(para) or "责" in para
    assert not rules.CREDIT_HEAD.search(para) or any(r in para for r in ("记者", "编辑", "作者"))
    assert not rules.WEN_LINE.match(para) or "文" in para
    assert not rules.WIRE_DATELINE.match(para) or "日电" in para
    assert not rules.DATELINE.match(para) or any(w in para for w in ("讯", "电", "消息"))
    assert not rules.PRINT_CREDIT.match(para) or para.startswith("《")
    assert not credits._AUTHOR.search(para) or "作者" in para
    assert not rules.TRAILING_CREDIT.search(para) or para.endswith(credits._CLOSING)


@pytest.mark.parametrize("para", CREDIT_LINES)
def test_credit_needs_hold_on_fixtures(para: str) -> None:
    _needs_hold(para)


@settings(max_examples=300, deadline=None)
@given(_CREDITISH)
def test_credit_needs_hold_on_generated_lines(para: str) -> None:
    _needs_hold(para)


# --- front matter: the simple shape read by hand ----------------------------------------------------------------

_SCALARS = st.one_of(
    st.sampled_from(
        [
            "标题：冒号",
            "Wed, 22 Sep 2021 13:01:34 GMT",
            "2021-09-22 21:01:34",
            "https://picsum.photos/400/300?random=1",
            "'引号 ''里'' 的'",
            "'a: b # c'",
            '"双引号"',
            '"有\\\\转义"',
            "x #comment",
            "a: b",
            "ends:",
            "- dash",
            "-5",
            "[flow]",
            "{m: 1}",
            "&anchor",
            "*alias",
            "!tag x",
            "|",
            ">",
            "%",
            "@x",
            "`x`",
            "~",
            "null",
            "false",
            "C# 与 F#",
            "a:b",
            "x\xa0",
            "x\t",
            "\u2028",
            "'",
            "''",
            '"',
            "",
            " ",
        ]
    ),
    st.text(alphabet="ab :#'\"-,[]{}?!|>%@`&*\xa0\t中", max_size=8),
)
_FRONT_LINES = st.one_of(
    st.tuples(st.sampled_from(["title", "date", "categories", "tags", "a_b", "x-y", "title"]), _SCALARS).map(
        lambda kv: f"{kv[0]}: {kv[1]}"
    ),
    st.sampled_from(["categories:", "categories: ", "tags:", "# comment", "", "  ", "key:value", "k :v"]),
    st.tuples(st.sampled_from(["", " ", "  ", "    "]), _SCALARS).map(lambda iv: f"{iv[0]}- {iv[1]}"),
    st.sampled_from(["-", "- ", " -  - news", "  -", "  continued"]),
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(_FRONT_LINES, max_size=8).map("\n".join))
def test_simple_front_matter_reads_as_yaml(raw: str) -> None:
    import yaml

    from etl import hexo

    fast = hexo.simple_front_matter(raw)
    if fast is None:
        return
    assert fast == yaml.load(raw, Loader=yaml.BaseLoader)


@pytest.mark.parametrize("raw", FRONT_MATTERS)
def test_simple_front_matter_on_fixtures(raw: str) -> None:
    import yaml

    from etl import hexo

    fast = hexo.simple_front_matter(raw)
    assert fast is None or fast == yaml.load(raw, Loader=yaml.BaseLoader)


def test_the_usual_front_matter_is_read_by_hand() -> None:
    from etl import hexo

    assert hexo.simple_front_matter(FRONT_MATTERS[0]) == {
        "title": "某某公司发布公告",
        "date": "Wed, 22 Sep 2021 13:01:34 GMT",
        "categories": ["财经", "新浪财经 - 国内"],
    }


# --- boilerplate: one joined pattern per site ------------------------------------------------------------------

BOILERPLATE_LINES = [
    "新浪财经APP",
    "下载新浪财经客户端，看更多",
    "扫描下方二维码关注",
    "长按识别二维码",
    "点击下载某某APP",
    "视频加载中，请稍候",
    "海量资讯、精准解读，尽在新浪财经APP",
    "金麒麟分析师",
    "正文里提到二维码和APP也无妨",
    "",
]


@pytest.mark.parametrize("para", BOILERPLATE_LINES)
def test_joined_boilerplate_matches_as_the_patterns(para: str) -> None:
    from etl import rules

    for site in (rules.GENERIC, *rules.SITES):
        joined = bool(rules.boilerplate_pattern(site).search(para))
        assert joined == any(b.search(para) for b in rules.boilerplate_for(site)), site.name


# --- pages: lxml's tree read as BeautifulSoup's was (tests/bs4_page.py) ------------------------------------------

_PAGE_HEAD = st.sampled_from(
    [
        '<meta name="author" content="张三">',
        '<meta property="og:title" content="标题">',
        "<meta name='og:time ' content='2019-09-07 08:05:32'>",
        '<meta itemprop="datePublished" content="2021-09-22">',
        "<meta name='dateUpdate' content='2019-10-08 12:00:57'>",
        '<meta property="og:image" content="https://x/og.jpg">',
        '<link rel="canonical" href="https://example.com/2021/0922/a.html">',
        '<link rel="alternate canonical" href="https://example.com/b">',
        '<link rel="stylesheet" href="s.css">',
        '<script type="application/ld+json">{"headline": "文档标题", "author": {"name": "Jane Doe"}}</script>',
        "<script>var publish_time = '2021-09-22';</script>",
        "<title>文档标题_站点</title>",
        "<title>某某网</title>",
        "<style>p { color: red }</style>",
    ]
)
_PAGE_TAGS = "div p span a h1 h2 h3 h5 section article nav footer td time font li ul pre rt noscript svg button".split()
_PAGE_ATTRS = st.sampled_from(
    [
        "",
        "",
        ' class="content"',
        ' class="article-body"',
        ' class="title"',
        ' class="sub-title main"',
        ' class="share-box"',
        ' class="sidebar"',
        ' class="meta-info"',
        ' class="comment-list"',
        ' id="main_content"',
        ' class="js_img_share_area"',
        ' datetime="2019-11-25T11:01:53+08:00"',
        ' itemprop="datePublished" datetime="2021-09-22T10:00"',
        ' href="/x"',
        " title=\"a 'q' &quot;dq&quot;\"",
    ]
)
_PAGE_WORDS = st.sampled_from(
    [
        "文档标题",
        "标题",
        "记者了解到，这是一段足够长的正文内容，包含逗号，句号。以及更多的文字，用来构成文章主体。",
        "另一条新闻的标题，点击阅读...",
        "发布时间：2021年9月22日 13:01",
        "2021-09-22 13:01",
        "09-22 13:01",
        "更新时间：2022-01-02 10:00",
        "来源：某某日报 作者：王小明",
        "Posted on September 22, 2021",
        "分享到：微博 微信",
        " ",
        "\n  ",
        "\u3000",
        "&amp; &lt;b&gt; \"q\" 'a'",
    ]
)


def _page_nodes(depth: int) -> st.SearchStrategy[str]:
    leaf = st.one_of(
        _PAGE_WORDS,
        st.just("<br>"),
        st.just("<!-- c -->"),
        st.just("<script>var x = '<p>';</script>"),
        st.just("<img src=' /a b/图.jpg?x=1&amp;y=2' alt='图'>"),
        st.just("<noscript><img src='https://x/lazy.jpg'></noscript>"),
        st.just("<svg><title>图标</title></svg>"),
        st.just("<h1>文档标题</h1><div class='info'>2021-09-22 13:01 来源：某某日报 作者：王小明</div>"),
    )
    return _markup(leaf, _PAGE_TAGS, _PAGE_ATTRS, ["</p>", "<p>", "</div>", "</html><html>", "<td>"], depth)


def _pages_read_alike(html: str, url: str | None = None) -> None:
    from etl import page
    from etl.entry import RejectError

    from . import bs4_page

    def entry(module: Any) -> Any:
        try:
            return module.page_entry(html, key="k", url=url)
        except RejectError as exc:
            return str(exc)

    old, new = entry(bs4_page), entry(page)
    if isinstance(old, str) or isinstance(new, str):
        assert new == old
        return
    assert (new.title, new.url, new.published_at, new.author, new.head_image) == (
        old.title,
        old.url,
        old.published_at,
        old.author,
        old.head_image,
    )
    assert new.html == old.html


PAGE_FIXTURES = [
    "",
    "<!-- only a comment -->",
    "<html><head><title>标题_站点</title></head><body><h1>标<script>x</script>题</h1>"
    "<div class='info'>2021-09-22 13:01 来源：某某日报<svg><title>i</title></svg> 作者：王小明</div>"
    "<div class='content'><p>记者了解到，这是一段足够长的正文内容，包含逗号，句号。</p>"
    "<div class='share'>分享到：<a href='/w'>微博</a></div><pre>  keep\n  lines </pre></div></body></html>",
    "<html><body><div class='content'><h2>文章的标题在这里</h2><p>记者了解到，这是一段足够长的正文内容，包含逗号，句号。</p>"
    "</div></body></html><!--end--><html><div class='content'><p>记者了解到，这是一段足够长的正文，包含逗号，句号。</p>"
    "</div></html>",
    "<title>某某网</title><div class='main'><p>学术年会在某地成功举行</p><p>发布时间：2019-05-18 来源：某某学会</p>"
    "<p>会议于五月召开，来自各地的专家学者参加了会议，讨论了学科发展。</p></div>",
    "<title>短讯 - 某站</title><article><div class='meta-top'><h1>短讯</h1><div class='meta-box'>发布于：2022年9月26日"
    "</div></div><div>只有一句话。</div><div class='footer'><p>本站内容遵循某某协议，转载请注明出处，谢谢合作。</p></div>"
    "</article>",
    "<p><img src=' /a b/图.jpg?x=1&amp;y=2' alt='a \"b\" &lt;c&gt;' data-x=\"it's\"><br>"
    "文字 &amp; 更多文字，足够长的一句话，用来构成正文。<image>x</image><image></image></p>",
]


@pytest.mark.parametrize("html", PAGE_FIXTURES)
def test_page_as_before(html: str) -> None:
    _pages_read_alike(html)
    _pages_read_alike(html, url="https://e.x/2021/0922/a.html")


_PROSE = "<p>记者了解到，这是一段足够长的正文内容，包含逗号，句号。以及更多的文字，用来构成文章主体。</p>"
# Chrome and headings around an article, and more of them inside it: most pages have an article to find.
_PAGE_BODIES = st.tuples(
    st.lists(_page_nodes(3), max_size=6),
    st.sampled_from(["div", "section", "td", "article"]),
    _PAGE_ATTRS,
    st.lists(st.one_of(st.just(_PROSE), _page_nodes(2)), max_size=8),
    st.lists(_page_nodes(3), max_size=4),
).map(lambda t: "".join(t[0]) + f"<{t[1]}{t[2]}>{''.join(t[3])}</{t[1]}>" + "".join(t[4]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PAGE_HEAD, max_size=6).map("".join), st.one_of(_PAGE_BODIES, st.lists(_page_nodes(4)).map("".join)))
def test_page_as_before_on_generated_pages(head: str, body: str) -> None:
    _pages_read_alike(f"<html><head>{head}</head><body>{body}</body></html>")
    _pages_read_alike(head + body)


# --- dates: RFC-2822 in GMT read directly -----------------------------------------------------------------------


def old_rfc(value: str) -> Any:
    """dates.parse_date's RFC-2822 branch as it was."""
    import datetime as dt
    import email.utils

    from etl import dates

    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError) as exc:
        raise dates.DateError(f"unreadable date {value!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Xyz"]),
    st.integers(0, 32),
    st.sampled_from(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]),
    st.integers(1, 9999),
    st.integers(0, 25),
    st.integers(0, 61),
    st.integers(0, 61),
    st.sampled_from(["GMT", "+0800", "-0000", "UT", "GMT "]),
)
def test_rfc_gmt_dates_as_email_utils_reads_them(
    day_name: str, d: int, mon: str, y: int, h: int, mi: int, s: int, zone: str
) -> None:
    from etl import dates

    value = f"{day_name}, {d} {mon} {y:04d} {h:02d}:{mi:02d}:{s:02d} {zone}"
    try:
        want = old_rfc(value.strip())  # parse_date strips first
    except dates.DateError as exc:
        with pytest.raises(dates.DateError) as got:
            dates.parse_date(value)
        assert str(got.value) == str(exc)
        return
    if value[:4].isdigit():
        return  # (not this branch)
    assert dates.parse_date(value) == want
    assert dates.parse_date(value).tzinfo == want.tzinfo


# --- Arrow tables without pandas --------------------------------------------------------------------------------

_SPARED = """
import pickle, sys
import pyarrow as pa
from etl import schema
schema.spare_pandas()
table = schema.to_table(pickle.load(sys.stdin.buffer), schema.ARTICLES)
assert "pandas" not in sys.modules, "pandas imported"
with pa.ipc.new_stream(sys.stdout.buffer, table.schema) as out:
    out.write_table(table)
"""


def test_tables_built_without_pandas_are_the_same() -> None:
    # etl run and pool workers spare pyarrow's import of pandas: the tables are those built with it.
    import datetime as dt
    import pickle
    import subprocess
    import sys

    import pandas  # noqa: F401  (here, pyarrow's conversion with pandas, to compare)
    import pyarrow as pa

    from etl import schema

    when = dt.datetime(2022, 6, 1, 8, tzinfo=dt.UTC)
    row = {"article_id": "a", "source": "s", "categories": ["x", "y"], "title": "标题", "published_at": when}
    row |= {"fetched_at": when, "images": [{"src": "i.png", "caption": ""}], "minhash": [1, -2], "char_count": 3}
    rows = [row, {**row, "article_id": "b", "categories": None, "images": []}]
    spared = subprocess.run(
        [sys.executable, "-c", _SPARED], input=pickle.dumps(rows), capture_output=True, check=True
    ).stdout
    assert pa.ipc.open_stream(spared).read_all().equals(schema.to_table(rows, schema.ARTICLES))
