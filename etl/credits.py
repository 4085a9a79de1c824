"""Credits from an article's text: outlet, reporters, editor, proofreader and the dateline's place.

Pure functions of text lines; the patterns live in `etl.rules`. Visible text wins over text inside HTML comments,
and within each, explicit credits (bylines, datelines, 来源 lines) win over self-references in running text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from etl import rules

_CLOSERS = "）)】]"
_TOKEN = re.compile(r"[^ 　、，,；;/／|｜）)】\]]+")
_ROLE = re.compile(rules.REPORTER_ROLE)
_HAN_CHAR = re.compile(r"^[\u4e00-\u9fff]$")
# Literals a pattern cannot match without (one of them): a substring test first spares most paragraphs the search
# (`in`, a few times faster than searching for an alternation of the literals).
_OPENERS = "（(【["  # rules.BRACKETED opens with one
_OPENER = re.compile("[" + re.escape(_OPENERS) + "]")
_SELF_REFERENCES = tuple(zip(rules.SELF_REFERENCES, rules.SELF_REFERENCE_NEEDS, strict=True))
# rules.DATELINE ends with 讯, 电 or 消息; rules.CREDIT_HEAD with a role: 记者, 编辑 or 作者.
_AUTHOR = re.compile(r"(?:^|(?<=[ 　]))作者[ 　]*[:：]")
_CLOSING = ("）", ")", "）\n", ")\n")  # how a paragraph ends where rules.TRAILING_CREDIT matches


@dataclass
class Credits:
    outlet: str | None = None
    reporters: list[str] = field(default_factory=list)
    editor: str | None = None
    proofreader: str | None = None
    dateline: str | None = None


@dataclass
class _Found:
    """What one kind of text (visible or hidden) credits, in document order."""

    outlets: list[str] = field(default_factory=list)
    self_outlets: list[str] = field(default_factory=list)
    reporters: list[str] = field(default_factory=list)
    chief_editors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    proofreaders: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)

    def outlet(self, name: str | None) -> None:
        if name and (name := clean_outlet(name)):
            self.outlets.append(name)

    def add_reporters(self, names: Iterable[str]) -> None:
        self.reporters.extend(n for n in names if n not in self.reporters)


def clean_outlet(name: str) -> str | None:
    name = rules.OUTLET_TAIL.sub("", name.strip(' 　“”"「」《》'))
    name = rules.OUTLET_ALIASES.get(name, name)
    return None if not name or name in rules.NOT_OUTLETS else name


@dataclass
class _Names:
    names: list[str]
    end: int  # where the names stopped, in the text they were read from
    place: str | None = None  # 'X报道' after the names
    photo: bool = False  # the names were a photographer's ('X 摄')


def read_names(text: str, pos: int = 0) -> _Names:
    """Names after a role word, up to the first token that is not one: '王五 赵六 北京报道 …' → 王五, 赵六."""
    names: list[str] = []
    single: str | None = None
    end = pos
    for m in _TOKEN.finditer(text, pos):
        token = m.group()
        closed = m.end() < len(text) and text[m.end()] in _CLOSERS
        if token in ("摄", "摄影") or (token.endswith("摄") and rules.NAME.match(token[:-1])):
            return _Names(names, m.end(), photo=True)
        if len(token) > 2 and token.endswith("报道") and (place := rules.PLACE_REPORTED.match(token)):
            return _Names(names, m.end(), place=place.group("place"))
        if _ROLE.fullmatch(token):
            end = m.end()
        elif _HAN_CHAR.match(token):
            # Padding inside a two-character name: '杨 洁' is 杨洁.
            if single is None:
                single = token
            else:
                names.append(single + token)
                single = None
            end = m.end()
        elif rules.NAME.match(token) and token not in rules.NOT_NAMES:
            names.append(token)
            end = m.end()
        else:
            break
        if closed:
            break
    return _Names(names, end)


def _credit_run(text: str, found: _Found, whole: bool) -> bool:
    """Credits such as '记者 X 见习记者 Y' or '作者：X 编辑：Y' from the start of text; whole: nothing else may follow."""
    pos, any_credit = 0, False
    if not ("记者" in text or "编辑" in text or "作者" in text):
        return False
    while pos < len(text):
        head = rules.CREDIT_HEAD.match(text, pos)
        if not head:
            break
        got = read_names(text, head.end())
        if got.photo:
            return any_credit
        if not got.names:
            if head.end() == pos:
                break
            pos = head.end()
            continue
        rest = text[got.end :].strip(" 　,，;；")
        if whole and rest and not rules.CREDIT_HEAD.match(rest):
            return any_credit
        role = head.group("role")
        if head.group("outlet"):
            found.outlet(head.group("outlet"))
        if role == "编辑":
            found.editors.append(got.names[0])
        else:
            found.add_reporters(got.names)
        if got.place:
            found.places.append(got.place)
        any_credit = True
        pos = got.end
        while pos < len(text) and text[pos] in " 　,，;；":
            pos += 1
    return any_credit


def _byline(para: str, found: _Found) -> None:
    """A paragraph opening with a credit: '澎湃新闻记者 俞凯', '每经编辑 张三', '某某报道记者 李四 南京报道 …'."""
    if not ("记者" in para or "编辑" in para or "作者" in para):
        return
    head = rules.CREDIT_HEAD.match(para)
    if not head:
        return
    got = read_names(para, head.end())
    if got.photo or not got.names:
        return
    # The names must end at the end, at a space or at 'X报道': '记者梳理发现，…' is prose.
    if got.end < len(para) and para[got.end] not in " 　" and not got.place:
        return
    _credit_run(para[: got.end], found, whole=False)


def _bracketed(para: str, found: _Found) -> None:
    if not _OPENER.search(para):
        return
    for m in rules.BRACKETED.finditer(para):
        inner = m.group("inner")
        place = rules.BRACKET_PLACE.match(inner)
        if place:
            inner = inner[place.end() :]
        if _credit_run(inner, found, whole=True) and place:
            found.places.append(place.group("place"))


def _wen(para: str, found: _Found) -> None:
    m = rules.WEN_LINE.match(para) if "文" in para else None
    if not m:
        return
    rest = m.group("rest")
    if _credit_run(rest, found, whole=True):
        found.outlet(m.group("outlet"))
        return
    got = read_names(rest)
    if got.names and got.end >= len(rest.rstrip()):
        found.outlet(m.group("outlet"))
        found.add_reporters(got.names)


def _author(para: str, found: _Found) -> None:
    """'来源：光明日报 作者：吴亚琦 图片：新华社等': an 作者 credit after other credits."""
    if "作者" not in para:
        return
    for m in _AUTHOR.finditer(para):
        _credit_run(para[m.start() :], found, whole=False)


def scan(lines: list[str], site: rules.SiteRule, tail: int = 0) -> _Found:
    """Credits in lines; a closing '（X）' names an outlet only from index `tail` on (the article's last lines)."""
    found = _Found()
    for index, para in enumerate(lines):
        short = len(para) <= 80
        _byline(para, found)
        _bracketed(para, found)
        _wen(para, found)
        if short:
            _author(para, found)
        if "日电" in para and (m := rules.WIRE_DATELINE.match(para)):
            found.outlet(m.group("outlet"))
            found.places.append(m.group("place"))
        elif ("讯" in para or "电" in para or "消息" in para) and (m := rules.DATELINE.match(para)):
            found.outlet(m.group("outlet"))
        if site.brands and para.startswith(site.brands):
            for name in site.brands:
                if para.startswith(name):
                    found.outlet(name)
        if para.startswith("《") and (m := rules.PRINT_CREDIT.match(para)):
            found.outlet(m.group("outlet"))
        if (short or para.startswith(("来源", "本文"))) and ("来源" in para or "本文来自" in para):
            for pattern in (rules.SOURCE_LINE, rules.FROM_LINE):
                if m := pattern.search(para):
                    found.outlet(m.group("outlet"))
        if (
            para.endswith(_CLOSING)
            and (m := rules.TRAILING_CREDIT.search(para))
            and (
                m.group("outlet") in site.brands
                or (index >= tail and (site.closing_credit or rules.OUTLET_SHAPE.match(m.group("outlet"))))
            )
        ):
            found.outlet(m.group("outlet"))
        if m := rules.FOLLOW_MY_WORK.search(para):
            found.outlet(m.group("outlet"))
        for pattern, needs in _SELF_REFERENCES:
            for need in needs:
                if need in para:
                    break
            else:
                continue
            if (m := pattern.search(para)) and (outlet := clean_outlet(m.group("outlet"))):
                found.self_outlets.append(outlet)
        if "责" in para and (m := rules.EDITOR_LINE.search(para)):
            found.chief_editors.append(rules.STAFF_CODE.sub("", m.group("name")).strip())
        elif short and "编辑" in para and (m := rules.EDITOR_CREDIT.search(para)):
            found.editors.append(m.group("name"))
        if "校对" in para and (m := rules.PROOFREADER.search(para)):
            found.proofreaders.append(m.group("name"))
    return found


def _first(*lists: list[str]) -> str | None:
    return next((items[0] for items in lists if items), None)


def read(body: list[str], boxes: list[str], hidden: list[str], site: rules.SiteRule = rules.GENERIC) -> Credits:
    """Credits from the body's paragraphs and credit boxes, then from lines found inside HTML comments."""
    seen, unseen = scan(body + boxes, site, tail=len(body) - 2), scan(hidden, site, tail=len(hidden))
    return Credits(
        outlet=_first(seen.outlets, seen.self_outlets, unseen.outlets, unseen.self_outlets),
        reporters=seen.reporters or unseen.reporters,
        # A 责任编辑 line wins over an '编辑 X' credit; visible text over comments.
        editor=_first(seen.chief_editors, unseen.chief_editors, seen.editors, unseen.editors),
        proofreader=_first(seen.proofreaders, unseen.proofreaders),
        dateline=_first(seen.places, unseen.places),
    )
