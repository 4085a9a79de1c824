"""Credits read from text lines: outlet, reporters, editor, proofreader, dateline (LABELS.md conventions)."""

from __future__ import annotations

import pytest

from etl import credits, rules


def read(*lines: str, hidden: tuple[str, ...] = (), boxes: tuple[str, ...] = ()) -> credits.Credits:
    return credits.read(list(lines), list(boxes), list(hidden))


@pytest.mark.parametrize(
    ("lines", "outlet", "reporters"),
    [
        (["某某新闻记者 王小明", "正文。"], "某某新闻", ["王小明"]),
        (["本报记者 张三 见习记者 李 四", "正文。"], None, ["张三", "李四"]),  # padding inside a name removed
        (["某某日报（www.example.cn）记者 赵甲 钱乙 北京报道", "正文。"], "某某日报", ["赵甲", "钱乙"]),
        (["某经济报道记者赵丙 上海报道 某数据显示，正文继续。"], "某经济报道", ["赵丙"]),
        (["某某基金报记者孙丁"], "某某基金报", ["孙丁"]),
        (["正文最后一句。（总台某某记者 周一 吴二）"], "总台某某", ["周一", "吴二"]),
        (["正文。（记者郑三）"], None, ["郑三"]),
        (["（驻京记者 冯四）"], None, ["冯四"]),
        (["【某某时报记者 陈五 褚六】正文开始。"], "某某时报", ["陈五", "褚六"]),
        (["►文 某某网 卫七"], "某某网", ["卫七"]),
        (["►文某某网蒋八"], "某某网", ["蒋八"]),
        (["文/某某青年报记者 沈九"], "某某青年报", ["沈九"]),
        (["作者：韩十"], None, ["韩十"]),
        (["（作者：杨一 编辑：朱二）"], None, ["杨一"]),
        (["（作者：某某全媒体记者 秦三 编辑：尤四）"], "某某全媒体", ["秦三"]),
        (["来源：某某日报 作者：许五 图片：某社等"], "某某日报", ["许五"]),
        (["作者为某银行首席研究员"], None, []),  # a description, not a credit
        (["某某新闻记者梳理发现，正文。"], "某某新闻", []),  # self-reference: an outlet, no names
        (["记者27日从发布会获悉，正文。"], None, []),
        (["图为会场。（某某新闻见习记者何六摄）"], None, []),  # photographers are not reporters
        (["封面图片来源：某某记者 吕七 摄 资料图"], None, []),
        (["通讯员 施八"], None, []),
        (["作者：未知 责任编辑：某某"], None, []),
    ],
)
def test_bylines(lines: list[str], outlet: str | None, reporters: list[str]) -> None:
    who = read(*lines)
    assert (who.outlet, who.reporters) == (outlet, reporters)


@pytest.mark.parametrize(
    ("lines", "outlet"),
    [
        (["财联社10月11日电，正文。"], "财联社"),
        (["【某标题】财联社8月17日讯（编辑 某某）正文。"], "财联社"),
        (["某某网讯，正文。"], "某某网"),
        (["某站 9 月 26 日消息，正文。"], "某站"),
        (["【某某商报讯】（首席记者 张某）正文。"], "某某商报"),
        (["新华社北京9月22日电 正文。"], "新华社"),
        (["每经AI快讯：正文。"], "每日经济新闻"),
        (["据某地发布消息，正文。"], None),  # cited, not credited
        (["经审讯，嫌疑人交代了经过。"], None),
        (["【国内资讯】正文。"], None),
        (["来源：某某晚报"], "某某晚报"),
        (["来源|某某网、另一报"], "某某网"),
        (["来源： 某某综合自另一网"], "某某"),
        (["本文来自微信公众号“某某研究”（ID：x）"], "某某研究"),
        (["本文来源：某某新闻微信公众号"], "某某新闻"),
        (["封面图片来源：某图库"], None),  # an image credit
        (["《 某某日报海外版 》（ 2021年09月20日 第 03 版）"], "某某日报海外版"),
        (["正文一段。", "最后一段结束。（某某新闻）"], "某某新闻"),
        (["正文一段。（某某新闻）", "二", "三", "四"], None),  # a closing credit only near the end
        (["最后一段结束。（张三丰）"], None),  # a bare name is not an outlet
        (["据某某新闻不完全统计，正文。"], "某某新闻"),
        (["受访者对《某某日报》记者表示，正文。"], "某某日报"),
        (["某某新闻还从一线人员处了解到，正文。"], "某某新闻"),
        (["对上述调查进行公开通报。"], None),
        (["You can follow more of my work on ExampleMac and Other Site."], "ExampleMac"),
    ],
)
def test_outlets(lines: list[str], outlet: str | None) -> None:
    assert read(*lines).outlet == outlet


def test_explicit_credits_win_over_self_references_and_visible_over_comments() -> None:
    assert read("而某游新闻记者此前获得的回应", "某站 9 月 26 日消息，正文。").outlet == "某站"
    assert read("某某新闻记者实地探访发现", hidden=("来源：某某都市报某某新闻",)).outlet == "某某新闻"
    assert read("正文。", hidden=("来源：某某网",)).outlet == "某某网"


@pytest.mark.parametrize(
    ("lines", "hidden", "editor"),
    [
        (["正文。", "责任编辑：王翔某 SF055"], [], "王翔某"),  # staff code dropped
        (["（上海，编辑 潇某）"], [], "潇某"),
        (["每经编辑 杜某"], ["【责任编辑:薛某】"], "薛某"),  # any 责任编辑 line wins over an 编辑 credit
        (["正文。", "责任编辑：张某"], ["【责任编辑:薛某】"], "张某"),  # visible wins over a comment
        (["正文。"], ["编辑/刘某"], "刘某"),
        (["编辑部报道"], [], None),
    ],
)
def test_editors(lines: list[str], hidden: list[str], editor: str | None) -> None:
    assert read(*lines, hidden=tuple(hidden)).editor == editor


def test_proofreader_and_dateline() -> None:
    who = read("财联社（ 深圳，记者 成某某）讯，正文。", "校对 刘某")
    assert (who.proofreader, who.dateline, who.reporters) == ("刘某", "深圳", ["成某某"])
    assert read("正文。", hidden=("校对：姚某",)).proofreader == "姚某"
    assert read("新华社北京9月22日电（记者王某）正文。").dateline == "北京"
    assert read("某经济报道记者 王某 南京报道 正文").dateline == "南京"


def test_site_brands() -> None:
    stcn = rules.site_for("证券时报网/数据", None)
    assert credits.read(["统计显示，数据如下。（数据宝）", "表", "表", "表"], [], [], stcn).outlet == "数据宝"
    assert credits.read(["统计显示，数据如下。（数据宝）", "表", "表", "表"], [], []).outlet is None


def test_outlet_cleaning() -> None:
    assert credits.clean_outlet("本报") is None
    assert credits.clean_outlet("每经") == "每日经济新闻"
    assert credits.clean_outlet("“某某研究”") == "某某研究"
