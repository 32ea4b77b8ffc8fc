"""The one 大写 writer (reports.capital): 支付结算办法 附件一, 会计基础工作规范 §52.

Official examples, zero, amounts over 亿, and a property test: the writer never
emits a forbidden character or construction, and what it writes parses back
(with the small independent parser below) to the same amount.
"""
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reports.capital import capital

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL = {"拾": 10, "佰": 100, "仟": 1000}
ALLOWED = set(DIGITS) | set(SMALL) | set("万亿元角分整负")
# Lower-case numerals and informal forms the rules forbid (一二三…, 〇, 两, 十百千, 毛, 另, 圆 is
# permitted by the rules but we always write 元, so it is not allowed either).
FORBIDDEN = set("〇一二三四五六七八九十百千两毛另圆正")


@pytest.mark.parametrize("amount, text", [
    # The official examples (issue 4, SPEC §2).
    ("1409.50", "壹仟肆佰零玖元伍角整"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("107000.53", "壹拾万柒仟元零伍角叁分"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    # Zero, whole yuan, jiao only, fen only.
    ("0", "零元整"),
    ("0.00", "零元整"),
    ("10", "壹拾元整"),
    ("15", "壹拾伍元整"),
    ("1010", "壹仟零壹拾元整"),
    ("10000", "壹万元整"),
    ("1000000", "壹佰万元整"),
    ("0.50", "伍角整"),
    ("0.05", "伍分"),
    ("0.55", "伍角伍分"),
    ("100.10", "壹佰元零壹角整"),
    ("30000.05", "叁万元零伍分"),
    ("20000100", "贰仟万零壹佰元整"),
    # Over 亿.
    ("100000000", "壹亿元整"),
    ("100000001", "壹亿零壹元整"),
    ("110000000", "壹亿壹仟万元整"),
    ("100010000", "壹亿零壹万元整"),
    ("1001000000", "壹拾亿零壹佰万元整"),
    ("123456789012.34", "壹仟贰佰叁拾肆亿伍仟陆佰柒拾捌万玖仟零壹拾贰元叁角肆分"),
    ("1000000000000", "壹万亿元整"),
    # Rounding to the fen, half-up, and the sign.
    ("0.005", "壹分"),
    ("2.994", "贰元玖角玖分"),
    ("-5", "负伍元整"),
])
def test_examples(amount, text):
    assert capital(Decimal(amount)) == text


def test_too_large_is_refused():
    with pytest.raises(ValueError):
        capital(Decimal("10000000000000000"))


# ---- an independent parser for the round trip --------------------------------

def _group(text: str) -> int:
    """壹仟零伍拾 → 1050 (one group below 万; 零 only marks skipped places)."""
    value, digit = 0, None
    for ch in text:
        if ch == "零":
            continue
        if ch in DIGITS:
            assert digit is None, f"两个数字相连: {text}"
            digit = DIGITS.index(ch)
        elif ch in SMALL:
            assert digit is not None, f"{ch} 前缺数字: {text}"
            value += digit * SMALL[ch]
            digit = None
        else:
            raise AssertionError(f"意外的字符 {ch!r} in {text}")
    return value + (digit or 0)


def _integer(text: str) -> int:
    if "亿" in text:
        high, low = text.split("亿", 1)
        return _integer(high) * 10**8 + _integer(low)
    if "万" in text:
        high, low = text.split("万", 1)
        return _group(high) * 10**4 + _group(low)
    return _group(text)


def parse(text: str) -> Decimal:
    """Read a 大写 amount back into a Decimal."""
    sign = -1 if text.startswith("负") else 1
    text = text.removeprefix("负")
    yuan, _, rest = text.rpartition("元") if "元" in text else ("", "", text)
    fen = 0
    for ch, unit in zip(rest, rest[1:]):
        if unit == "角":
            fen += DIGITS.index(ch) * 10
        elif unit == "分":
            fen += DIGITS.index(ch)
    return sign * (Decimal(_integer(yuan) * 100 + fen) / 100)


def check_form(text: str, amount: Decimal):
    """The rules of 支付结算办法 附件一 / 会计基础工作规范 §52 as string properties."""
    assert set(text) <= ALLOWED and not (set(text) & FORBIDDEN), text
    assert "零零" not in text, text
    assert text.endswith(("整", "分")), text
    assert not text.endswith("分整"), text                       # never 整 after 分
    if "整" in text:
        assert text.count("整") == 1 and text[-2] in "元角", text  # 整 only after 元 or 角
    for unit in "拾佰仟万亿元角分":
        for index in [i for i, ch in enumerate(text) if ch == unit]:
            assert index > 0, text
            before = text[index - 1]
            if unit in "拾佰仟角分":
                assert before in DIGITS[1:], text                # 壹拾, never a bare 拾; no 零角
            elif before == "零":
                assert text == "零元整", text                   # no 零万 / 零亿 / 零元
    if amount != 0:
        assert not text.lstrip("负").startswith("零"), text
    if abs(amount) < 1 and amount != 0:
        assert "元" not in text, text


amounts = st.one_of(
    st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1).map(lambda fen: Decimal(fen) / 100),
    # Zero-heavy digit strings exercise the 零 rules.
    st.lists(st.sampled_from("000000123456789"), min_size=1, max_size=18)
      .map(lambda ds: Decimal(int("".join(ds))) / 100),
)


@settings(max_examples=600, deadline=None)
@given(amounts)
@example(Decimal("107000.53"))
@example(Decimal("100000000.00"))
@example(Decimal("10000000000.10"))
@example(Decimal("0.01"))
def test_never_forbidden_and_round_trips(amount):
    text = capital(amount)
    check_form(text, amount)
    assert parse(text) == amount


def test_parser_reads_the_official_examples():
    assert parse("壹拾万柒仟元零伍角叁分") == Decimal("107000.53")
    assert parse("壹仟贰佰叁拾肆亿伍仟陆佰柒拾捌万玖仟零壹拾贰元叁角肆分") == Decimal("123456789012.34")
    assert parse("玖仟玖佰玖拾玖万亿玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分") == \
        Decimal("9999999999999999.99")
    assert parse("零元整") == 0 and parse("伍分") == Decimal("0.05")
