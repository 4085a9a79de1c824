"""A synthetic Hexo source in the archive's shapes, for benchmarks and tests: `etl synth`.

Everything is made at run time from the small vocabulary below (written for this module, nothing read from a
corpus): both Hexo layouts, the front-matter variants (RFC-2822 GMT dates, local 'YYYY-MM-DD HH:MM:SS' dates,
'Invalid Date', quoted and unquoted titles, the archive's `&#123;` brace escapes) and article bodies shaped like
Sina Finance's (paragraphs indented with ideographic spaces, image wrappers with captions, stock links, the
adlist and keyword comments, the QR promo block, the editor line), 财联社's bylines, English posts with figures,
and plain text broken by <br>. A few posts are broken on purpose (empty body, broken YAML) and become rejects.

The same seed gives the same bytes. Article i of N is dated on day start + i * days // N (in the pipeline's time
zone), so `--days 1` makes one day of N articles.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

# --- vocabulary (invented for this generator) ------------------------------------------------------------------
_ZH_NOUNS = (
    "市场 资金 投资者 银行 利率 债券 基金 保险 消费 出口 进口 制造业 服务业 新能源 芯片 汽车 地产 物流 港口 "
    "电网 算力 储能 光伏 医药 农业 粮食 外汇 期货 指数 板块 行业 企业 平台 政策 监管 央行 财政 税收 信贷 "
    "融资 并购 上市公司 券商 机构 研究员 分析师 经济 需求 供给 价格 库存 产能 订单 利润 营收 现金流 估值"
).split()
_ZH_VERBS = (
    "增长 回落 企稳 上涨 下跌 扩大 收窄 改善 提升 放缓 加快 稳定 调整 波动 回升 突破 维持 释放 推进 落地"
).split()
_ZH_ADJS = "持续 明显 温和 大幅 小幅 稳步 逐步 整体 结构性 阶段性 总体 进一步".split()
_ZH_PLACES = "上海 北京 深圳 广州 杭州 南京 成都 武汉 重庆 天津 苏州 西安 长沙 合肥 厦门 青岛".split()
_ZH_SURNAMES = "王 李 张 刘 陈 杨 黄 赵 周 吴 徐 孙 马 朱 胡 郭 何 林 罗 高".split()
_ZH_GIVEN = "明 华 伟 芳 敏 静 丽 强 磊 洋 艳 勇 军 杰 娟 涛 超 霞 平 刚 雪 鹏 晨 宇 欣 然".split()
_ZH_COMPANY_A = "华 东 中 新 金 远 恒 宏 瑞 海 天 泰 嘉 鼎 盛 安 航 晶 光 联".split()
_ZH_COMPANY_B = "科技 电子 能源 材料 控股 股份 医药 汽车 智能 实业 传媒 环境".split()
_EN_WORDS = (
    "apple market company report users update device battery screen camera software service price launch "
    "quarter revenue growth design feature support version release data chip storage network display model "
    "team plan week today later new first better faster small large early final public open simple"
).split()
_EN_FUNCTION = "the a this that with for from into over after before about and but".split()

# (style, category, site, feed, timezone of local dates is the pipeline's); weights follow the archive roughly.
_FEEDS = (
    ("sina", "金融", "新浪财经", "新浪财经－国內", 50),
    ("cls", "金融", "财联社", "电报", 15),
    ("plain", "新媒体", "数据周刊", "图表", 10),
    ("english", "新媒体", "9To5", "9To5 分站", 10),
    ("sina", "金融", "新浪财经", "新浪财经－滚动", 15),
)
_STYLES = [f for f in _FEEDS for _ in range(f[4])]


@dataclass
class Intended:
    """What the generator meant a post to be: what extraction must find."""

    path: str  # relative to the output folder
    title: str | None = None
    published_at: dt.datetime | None = None
    paragraphs: list[str] = field(default_factory=list)  # the body text's paragraphs, in order
    images: int = 0
    stock_codes: list[str] = field(default_factory=list)
    editor: str | None = None
    language: str = "zh-Hans"
    reject: str | None = None  # why the post cannot become an article, when it is broken on purpose


@dataclass(frozen=True)
class Post:
    intended: Intended
    data: bytes


class _Gen:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def name(self) -> str:
        r = self.rng
        return r.choice(_ZH_SURNAMES) + "".join(r.choices(_ZH_GIVEN, k=r.randint(1, 2)))

    def company(self) -> str:
        r = self.rng
        return "".join(r.choices(_ZH_COMPANY_A, k=2)) + r.choice(_ZH_COMPANY_B)

    def zh_sentence(self) -> str:
        r = self.rng
        clauses = []
        for _ in range(r.randint(1, 3)):
            n1, n2 = r.choices(_ZH_NOUNS, k=2)
            clauses.append(
                f"{n1}{r.choice(_ZH_ADJS)}{r.choice(_ZH_VERBS)}，{n2}{r.choice(_ZH_VERBS)}{r.randint(1, 99)}.{r.randint(0, 9)}%"
            )
        return "，".join(clauses) + "。"

    def zh_paragraph(self) -> str:
        return "".join(self.zh_sentence() for _ in range(self.rng.randint(1, 4)))

    def en_sentence(self) -> str:
        r = self.rng
        words = [w for _ in range(r.randint(4, 9)) for w in (r.choice(_EN_FUNCTION), r.choice(_EN_WORDS))]
        return " ".join(words).capitalize() + "."

    def en_paragraph(self) -> str:
        return " ".join(self.en_sentence() for _ in range(self.rng.randint(2, 5)))

    def zh_title(self, n: int) -> str:
        r = self.rng
        place, noun, verb = r.choice(_ZH_PLACES), r.choice(_ZH_NOUNS), r.choice(_ZH_VERBS)
        return f"{place}{noun}{r.choice(_ZH_ADJS)}{verb} {r.choice(_ZH_NOUNS)}规模达{n}亿元"

    def en_title(self, n: int) -> str:
        r = self.rng
        words = " ".join(r.choices(_EN_WORDS, k=r.randint(3, 6)))
        return f"{r.choice(_EN_WORDS).capitalize()} {words}: {n} things to know"

    def image_url(self, host: str) -> str:
        return f"https://{host}/synth/{self.rng.getrandbits(64):016x}.jpg"


def _sina(g: _Gen, title: str, it: Intended) -> str:
    r = g.rng
    out = ["<div>   "]
    if r.random() < 0.5:
        para = f"原标题：{title}"
        out.append(f'<p cms-style="font-L">\u3000\u3000{para}</p>')
        it.paragraphs.append(para)
    codes: list[str] = []
    for i in range(r.randint(3, 12)):
        para = g.zh_paragraph()
        if i == 1 or (i > 1 and r.random() < 0.15):
            ex, code = (
                r.choice(("sh", "sz")),
                f"{r.randint(600000, 605999) if r.random() < 0.5 else r.randint(1, 3999):06d}",
            )
            company = g.company()
            link = (
                f'<span id="stock_{ex}{code}"><a href="https://finance.sina.com.cn/realstock/company/{ex}{code}/nc.shtml"'
                f' class="keyword" target="_blank">{company}</a></span><span id="quote_{ex}{code}"></span>'
            )
            html_para = f"{company}表示，{link}{para}"
            para = f"{company}表示，{company}{para}"
            codes.append(ex + code)
        else:
            html_para = para
        if r.random() < 0.1:  # a subheading in bold
            head = f"{r.choice(_ZH_NOUNS)}{r.choice(_ZH_VERBS)}"
            out.append(f'<p cms-style="font-L">\u3000\u3000<font cms-style="font-L strong-Bold">{head}</font></p>')
            it.paragraphs.append(head)
        out.append(f'<p cms-style="font-L">\u3000\u3000{html_para}</p>')
        it.paragraphs.append(para)
        if r.random() < 0.2:
            caption = f"{r.choice(_ZH_PLACES)}{r.choice(_ZH_NOUNS)}（资料图）" if r.random() < 0.7 else ""
            out.append(
                f'<div class="img_wrapper"><img id="0" style="max-width: 640px;" src="{g.image_url("n.sinaimg.cn")}"'
                f' alt referrerpolicy="no-referrer"><span class="img_descr">{caption}</span></div>'
            )
            it.images += 1
    it.stock_codes = sorted(set(codes))
    if r.random() < 0.3:
        out.append(f'<!--article_adlist[<p cms-style="font-L">\u3000\u3000校对：{g.name()}</p>]article_adlist-->')
    out.append("<!-- news_keyword_pub,stock, -->\n\n<!-- 正文下iframe -->\n\n<!-- 文末二维码 start -->")
    out.append(
        "<style>\n.appendQr_wrap&#123;border:1px solid #E6E6E6;padding:8px;&#125;\n"
        ".appendQr_normal&#123;float:left;&#125;\n</style>\n"
        '<div class="clearfix appendQr_wrap">\n<div class="appendQr_normal">'
        '<img src="https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png" referrerpolicy="no-referrer"></div>\n'
        '<div class="appendQr_normal_txt">海量资讯、精准解读，尽在新浪财经APP</div>\n</div>'
    )
    it.editor = g.name()
    out.append(f'<!-- 编辑姓名及工作代码 -->\n<p class="article-editor">责任编辑：{it.editor} </p>\n\n</div>\n')
    return "\n".join(out)


def _cls(g: _Gen, title: str, it: Intended) -> str:
    r = g.rng
    out = ["<div>"]
    it.editor = g.name()
    first = f"财联社（{r.choice(_ZH_PLACES)}，编辑 {it.editor}）讯，{g.zh_paragraph()}"
    out.append(f"<p>{first}</p>")
    it.paragraphs.append(first)
    for _ in range(r.randint(1, 5)):
        para = g.zh_paragraph()
        out.append(f"<p>{para}</p>")
        it.paragraphs.append(para)
    out.append("</div>\n")
    return "\n".join(out)


def _plain(g: _Gen, title: str, it: Intended) -> str:
    r = g.rng
    lines = [g.zh_paragraph() for _ in range(r.randint(2, 8))]
    it.paragraphs.extend(lines)
    return "<br><br>".join(lines) + "\n"


def _english(g: _Gen, title: str, it: Intended) -> str:
    r = g.rng
    it.language = "en"
    out = []
    for i in range(r.randint(3, 10)):
        para = g.en_paragraph()
        out.append(f"<p>{para}</p>")
        it.paragraphs.append(para)
        if i == 0 or r.random() < 0.15:
            caption = " ".join(r.choices(_EN_WORDS, k=4)).capitalize()
            out.append(
                f'<figure class="wp-block-image"><img src="{g.image_url("example.org")}" alt="">'
                f"<figcaption>{caption}</figcaption></figure>"
            )
            it.images += 1
    return "\n".join(out) + "\n"


_BODIES = {"sina": _sina, "cls": _cls, "plain": _plain, "english": _english}
_UNSAFE_NAME = str.maketrans({c: "_" for c in ':/\\?*“”<>|[]"'} | {c: None for c in ".#\n"})


def _yaml_title(title: str, r: random.Random) -> str:
    roll = r.random()
    if roll < 0.05:  # the archive generator's quote runs, which YAML cannot read as written
        return '"""""' + "'" + title + "'" + '"""""'
    if roll < 0.5 or ": " in title or title[0] in "'\"&*!|>%@`[{":
        return "'" + title.replace("'", "''") + "'"
    return title


def _rfc2822(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def _post(g: _Gen, n: int, day: dt.date, zone: ZoneInfo) -> Post:
    r = g.rng
    style, category, site, feed, _ = r.choice(_STYLES)
    title = g.en_title(n) if style == "english" else g.zh_title(n)
    old_layout = r.random() < 0.3
    folder = f"post/{category}/{site} - {feed}" if old_layout else f"source/_posts/{category}/{site}/{feed}"
    path = f"{folder}/{title.translate(_UNSAFE_NAME)}.md"
    it = Intended(path=path, title=title)
    local = dt.datetime.combine(day, dt.time(), zone) + dt.timedelta(seconds=r.randrange(86400))
    roll = r.random()
    if roll < 0.01:
        date, it.published_at = "Invalid Date", None
    elif roll < 0.15:
        date, it.published_at = f"{local:%Y-%m-%d %H:%M:%S}", local.astimezone(dt.UTC)
    else:
        date, it.published_at = _rfc2822(local), local.astimezone(dt.UTC)
    categories = (
        f"\n    - {category}\n    - {site} - {feed}" if old_layout else f"\n - {category}\n - {site}\n - {feed}"
    )
    body = _BODIES[style](g, title, it)
    broken = r.random()
    if broken < 0.003:
        body, it.reject = "\n", "empty body"
    elif broken < 0.005:
        categories += "\n - [unclosed"
        it.reject = "broken YAML front matter"
    image = f"\nthumbnail: '{g.image_url('n.sinaimg.cn')}'" if style == "sina" and r.random() < 0.5 else ""
    text = (
        f"\n---\ntitle: {_yaml_title(title, r)}\ncategories: {categories}\nauthor: {site}\n"
        f"comments: false\ndate: {date}{image}\n---\n\n{body}"
    )
    return Post(it, text.encode("utf-8"))


def generate(
    articles: int, days: int = 1, seed: int = 0, start: dt.date | None = None, tz: str = "Asia/Shanghai"
) -> Iterator[Post]:
    """The posts, in order; article i is dated on day start + i * days // articles (local time in `tz`)."""
    if articles < 0 or days < 1:
        raise ValueError("articles must be >= 0 and days >= 1")
    start = start or dt.date(2022, 6, 1)
    zone = ZoneInfo(tz)
    g = _Gen(random.Random(seed))
    for i in range(articles):
        yield _post(g, i + 1, start + dt.timedelta(days=i * days // articles), zone)


def write(
    out: Path, articles: int, days: int = 1, seed: int = 0, start: dt.date | None = None, tz: str = "Asia/Shanghai"
) -> int:
    """Write the posts under `out`; returns how many files were written (a title met twice is written once)."""
    made: set[str] = set()
    written: set[str] = set()
    for post in generate(articles, days, seed, start, tz):
        path = post.intended.path
        if path in written:
            continue
        folder = path.rpartition("/")[0]
        if folder not in made:
            os.makedirs(out / folder, exist_ok=True)
            made.add(folder)
        with open(out / path, "wb") as fh:
            fh.write(post.data)
        written.add(path)
    return len(written)
