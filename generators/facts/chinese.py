"""Chinese numerals, periods (dynasties) and reign names, as rules need them.

No maintained PyPI package covers dynasties and reigns; for the numerals
(`cn2an` would) the studio needs only whole numbers up to the thousands, in
the two forms museum texts use: digit by digit for years (一九八七) and
positional for counts and centuries (十二, 二十三), so a dozen lines beat a
dependency with its own dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass

_DIGITS = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL_CHARS = "".join(_DIGITS) + "".join(_UNITS)


def zh_int(text: str) -> int | None:
    """一九八七 -> 1987, 十二 -> 12, 二十三 -> 23, 一千二百 -> 1200; None if not a numeral."""
    if not text or any(ch not in _DIGITS and ch not in _UNITS and not ch.isdigit() for ch in text):
        return None
    if text.isdigit():
        return int(text)
    if not any(ch in _UNITS for ch in text):
        return int("".join(str(_DIGITS[ch]) for ch in text))  # digit by digit, as years are written
    total = current = 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch in _UNITS:
            total += (current or 1) * _UNITS[ch]  # 十二: a bare unit counts one
            current = 0
        else:
            return None
    return total + current


@dataclass(frozen=True)
class Period:
    """A dynasty or a reign, with its conventional years (negative = BCE)."""

    key: str
    en: tuple[str, ...]
    zh: tuple[str, ...]
    start: int
    end: int
    kind: str = "dynasty"  # dynasty | reign

    def label(self) -> str:
        return f"{self.en[0]} ({_year(self.start)}–{_year(self.end)})"


def _year(y: int) -> str:
    return f"{-y} BCE" if y < 0 else f"{y}"


# Longer names first where one contains another (Western Zhou before Zhou).
PERIODS: tuple[Period, ...] = (
    Period("xia", ("Xia dynasty", "Xia"), ("夏代", "夏朝"), -2070, -1600),
    Period("shang", ("Shang dynasty", "Shang"), ("商代", "商朝", "殷商"), -1600, -1046),
    Period("western_zhou", ("Western Zhou dynasty", "Western Zhou"), ("西周",), -1046, -771),
    Period("eastern_zhou", ("Eastern Zhou dynasty", "Eastern Zhou"), ("东周",), -770, -256),
    Period("spring_autumn", ("Spring and Autumn period",), ("春秋",), -770, -476),
    Period("warring_states", ("Warring States period", "Warring States"), ("战国",), -475, -221),
    Period("qin", ("Qin dynasty",), ("秦代", "秦朝"), -221, -206),
    Period("western_han", ("Western Han dynasty", "Western Han"), ("西汉",), -206, 8),
    Period("eastern_han", ("Eastern Han dynasty", "Eastern Han"), ("东汉",), 25, 220),
    Period("han", ("Han dynasty",), ("汉代", "汉朝"), -206, 220),
    # Western and Eastern Jin (晋) only by their full names: a bare "Jin dynasty" on a museum
    # label is the Jurchen Jin (金, below), as museums' catalogues write it (Cizhou and Ding wares).
    Period("western_jin", ("Western Jin dynasty", "Western Jin"), ("西晋",), 266, 316),
    Period("eastern_jin", ("Eastern Jin dynasty", "Eastern Jin"), ("东晋",), 317, 420),
    Period("northern_wei", ("Northern Wei dynasty", "Northern Wei"), ("北魏",), 386, 534),
    Period("sui", ("Sui dynasty",), ("隋代", "隋朝"), 581, 618),
    Period("tang", ("Tang dynasty",), ("唐代", "唐朝"), 618, 907),
    Period("five_dynasties", ("Five Dynasties",), ("五代十国", "五代"), 907, 960),
    Period("liao", ("Liao dynasty",), ("辽代", "辽朝"), 907, 1125),
    Period("northern_song", ("Northern Song dynasty", "Northern Song"), ("北宋",), 960, 1127),
    Period("southern_song", ("Southern Song dynasty", "Southern Song"), ("南宋",), 1127, 1279),
    Period("song", ("Song dynasty",), ("宋代", "宋朝"), 960, 1279),
    # 金代 is the Jin dynasty, never gold: the materials take 金 alone only where it names
    # the metal (金银器, 鎏金; rules.materials).
    Period("jin", ("Jin dynasty",), ("金代", "金朝"), 1115, 1234),
    Period("western_xia", ("Western Xia",), ("西夏",), 1038, 1227),
    Period("yuan", ("Yuan dynasty",), ("元代", "元朝"), 1271, 1368),
    Period("ming", ("Ming dynasty", "Ming"), ("明代", "明朝"), 1368, 1644),
    Period("qing", ("Qing dynasty", "Qing"), ("清代", "清朝"), 1644, 1911),
    # Reigns museum labels name most (Ming and Qing marks).
    Period("hongwu", ("Hongwu",), ("洪武",), 1368, 1398, "reign"),
    Period("yongle", ("Yongle",), ("永乐",), 1403, 1424, "reign"),
    Period("xuande", ("Xuande",), ("宣德",), 1426, 1435, "reign"),
    Period("chenghua", ("Chenghua",), ("成化",), 1465, 1487, "reign"),
    Period("hongzhi", ("Hongzhi",), ("弘治",), 1488, 1505, "reign"),
    Period("zhengde", ("Zhengde",), ("正德",), 1506, 1521, "reign"),
    Period("jiajing", ("Jiajing",), ("嘉靖",), 1522, 1566, "reign"),
    Period("wanli", ("Wanli",), ("万历",), 1573, 1620, "reign"),
    Period("kangxi", ("Kangxi",), ("康熙",), 1662, 1722, "reign"),
    Period("yongzheng", ("Yongzheng",), ("雍正",), 1723, 1735, "reign"),
    Period("qianlong", ("Qianlong",), ("乾隆",), 1736, 1795, "reign"),
    Period("jiaqing", ("Jiaqing",), ("嘉庆",), 1796, 1820, "reign"),
    Period("daoguang", ("Daoguang",), ("道光",), 1821, 1850, "reign"),
    Period("guangxu", ("Guangxu",), ("光绪",), 1875, 1908, "reign"),
)
