"""The one writer of amounts in Chinese capital numerals (大写金额).

Follows 《支付结算办法》附件一 and 《会计基础工作规范》第五十二条:
- a run of zeros inside the number is written as one 零 (¥1409.50 → 壹仟肆佰零玖元伍角整);
- 元 position zero with 角 not zero writes 零 after 元 (¥107000.53 → 壹拾万柒仟元零伍角叁分);
- 角 zero with 分 not zero writes 零 after 元 (¥16409.02 → 壹万陆仟肆佰零玖元零贰分);
- 整 follows 元 or 角, never 分; 壹 always stands before 拾 (壹拾元整).
"""

from plugins.money import to_fen

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("仟", "佰", "拾", "")
GROUPS = ("", "万", "亿", "万亿")


def _group(value: int) -> str:
    """Write 1..9999 with 仟佰拾, one 零 for each run of inner zeros."""
    out, zero = [], False
    for place, digit in zip(PLACES, f"{value:04d}"):
        if digit == "0":
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[int(digit)] + place)
    return "".join(out)


def _integer(value: int) -> str:
    groups = []
    while value:
        groups.append(value % 10000)
        value //= 10000
    if len(groups) > len(GROUPS):
        raise ValueError("金额过大, 超出大写金额的书写范围")
    out, zero = [], False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero = bool(out)
            continue
        if out and (zero or group < 1000):
            out.append("零")
        zero = False
        out.append(_group(group) + GROUPS[index])
    return "".join(out)


def capital(amount) -> str:
    """¥16409.02 → 壹万陆仟肆佰零玖元零贰分; 0 → 零元整; a negative amount starts with 负."""
    amount = to_fen(amount)
    sign = "负" if amount < 0 else ""
    fen_total = int(abs(amount) * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if fen_total == 0:
        return "零元整"
    out = [sign]
    if yuan:
        out.append(_integer(yuan) + "元")
    if jiao:
        if yuan and yuan % 10 == 0:
            out.append("零")
        out.append(DIGITS[jiao] + "角")
    elif fen and yuan:
        out.append("零")
    out.append(DIGITS[fen] + "分" if fen else "整")
    return "".join(out)


