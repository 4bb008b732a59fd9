"""Tests for app.vietnamese: folding, name splitting, collation and decimal parsing."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from app.vietnamese import (
    NAME_SORT_STRING_MAX_LENGTH,
    collation_key,
    fold,
    name_sort_key,
    name_sort_string,
    parse_decimal,
    split_name,
)

# Real names, written in the order a Vietnamese class list puts them: by given name (last
# word) in the Vietnamese alphabet, then by family + middle name; tone only breaks ties.
EXPECTED_ORDER: list[str] = [
    "Lê Văn An",
    "Nguyễn An",  # rest "Nguyễn" is a prefix of "Nguyễn Văn"
    "Nguyễn Văn An",
    "Bùi Ánh",  # tone is secondary: rest "Bùi" < "Bùi Đức" decides before Ánh vs Anh
    "Bùi Đức Anh",
    "Lê Anh",
    "Lê Ánh",  # same letters, Anh (no tone) < Ánh (sắc)
    "Phan Ánh",
    "Võ Ăn",  # a < ă < â
    "Phạm Văn Ân",
    "Đặng Quốc Bảo",
    "Ngô Thị Bích",
    "Lý Mạnh Cường",
    "Trần Tiến Dũng",
    "Nguyễn Khánh Duy",
    "Vũ Thành Đạt",  # d < đ
    "Bùi Minh Đức",
    "Lê Trường Giang",
    "Dương Thị Hà",
    "Đỗ Thu Hà",
    "Hoàng Thị Hà",  # o < ô
    "Hồ Ngọc Hà",
    "Huỳnh Thị Hà",
    "Phan Thanh Hải",
    "Nguyễn Thị Hạnh",
    "Đỗ Trung Hiếu",
    "Lê Thị Hoa",
    "Lê Thị Hòa",
    "Nguyễn Mạnh Hùng",  # u < ư decides before the tone
    "Phạm Văn Hưng",
    "Vũ Thị Hương",
    "Trần Đăng Khoa",
    "Nguyễn Thị Lan",
    "Hoàng Thùy Linh",
    "Phạm Thị Loan",
    "Bùi Hải Long",
    "Đặng Thị Mai",
    "Nguyễn Thị My",
    "Nguyễn Thị Mỹ",
    "Phan Hoài Nam",
    "Võ Thị Nga",
    "Hồ Kim Ngân",
    "Dương Hồng Nhung",
    "Lý Kim Oanh",
    "Trần Văn Ơn",  # o < ơ
    "Ngô Thanh Phong",
    "Hoàng Hữu Phúc",
    "Đỗ Minh Quang",
    "Vũ Hồng Quân",
    "Trần Thái Sơn",
    "Lê Minh Tâm",
    "Nguyễn Phương Thảo",
    "Phạm Thị Thu",
    "Bùi Anh Thư",
    "Huỳnh Thị Trang",
    "Đặng Quốc Trung",
    "Lê Cẩm Tú",
    "Nguyễn Anh Tuấn",
    "Phan Thị Uyên",
    "Trần Văn Ưng",
    "Đỗ Thị Vân",
    "Hoàng Quốc Việt",
    "Ngô Tường Vy",
    "Lý Thanh Xuân",
    "Dương Hải Yến",
]

# Inputs a real system meets besides clean names: other cases, decomposed text, stray
# whitespace, ASCII-only spellings, punctuation, digits and non-Vietnamese scripts.
ODD_NAMES: list[str] = [
    "",
    "   ",
    "An",
    "nguyễn văn an",
    "NGUYỄN VĂN AN",
    "Nguyen Van An",
    "  Lê\u00a0Anh  ",
    "Nguyễn-Trần Bảo Ngọc",
    "Tôn Nữ Thị Ninh",
    "Đặng Thị Ánh (con)",
    "Lê Văn An 2",
    "O'Brien Minh",
    "Müller Hà",
    "张伟",
    "Nguyễn 🙂",
]


def _variants(name: str) -> list[str]:
    return [name, unicodedata.normalize("NFD", name), name.upper(), name.lower(), fold(name)]


ALL_NAMES: list[str] = [
    variant for name in EXPECTED_ORDER + ODD_NAMES for variant in _variants(name)
]

SORT_KEYS: list[Callable[[str], Any]] = [name_sort_key, name_sort_string]


def _sign(a: Any, b: Any) -> int:
    return (a > b) - (a < b)


# --- fold ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nguyễn Văn Đức", "nguyen van duc"),
        ("ĐẶNG THỊ ÁNH", "dang thi anh"),
        (unicodedata.normalize("NFD", "Nguyễn Văn Đức"), "nguyen van duc"),
        ("Nguye\u0302\u0303n", "nguyen"),
        ("Phạm Văn Ân", "pham van an"),
        ("Hoàng Thùy Linh", "hoang thuy linh"),
        ("Lưu Quang Vũ", "luu quang vu"),
        ("Trần Văn Ơn", "tran van on"),
        ("Đỗ Đình Đạt", "do dinh dat"),
        ("  Trần\u00a0\tThị   Bình \n", "tran thi binh"),
        ("ỨNG DỤNG Sprout 2024", "ung dung sprout 2024"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize("name", EXPECTED_ORDER)
def test_fold_is_ascii_idempotent_and_form_insensitive(name: str) -> None:
    folded = fold(name)
    assert folded.isascii()
    assert fold(folded) == folded
    assert fold(unicodedata.normalize("NFD", name)) == folded
    assert fold(name.upper()) == folded


# --- split_name ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [
        ("Nguyễn Văn An", ("An", "Nguyễn Văn")),
        ("Lê Anh", ("Anh", "Lê")),
        ("Tôn Nữ Thị Ninh", ("Ninh", "Tôn Nữ Thị")),
        ("An", ("An", "")),
        ("  Trần   Thị\u00a0Bình \t", ("Bình", "Trần Thị")),
        (unicodedata.normalize("NFD", "Phạm Văn Ân"), ("Ân", "Phạm Văn")),
        ("", ("", "")),
        ("   ", ("", "")),
    ],
)
def test_split_name(full_name: str, expected: tuple[str, str]) -> None:
    assert split_name(full_name) == expected


@pytest.mark.parametrize("name", EXPECTED_ORDER)
def test_split_name_round_trips(name: str) -> None:
    given, rest = split_name(name)
    assert " ".join([rest, given]).strip() == name
    assert " " not in given


# --- collation_key ---------------------------------------------------------------------------

ALPHABET = list("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")  # NFC: one code point per letter


def test_collation_alphabet_order() -> None:
    shuffled = ALPHABET[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=collation_key) == ALPHABET
    upper = [letter.upper() for letter in shuffled]
    assert sorted(upper, key=collation_key) == [letter.upper() for letter in ALPHABET]


@pytest.mark.parametrize("vowel", list("aăâeêioôơuưy"))
def test_collation_tone_order(vowel: str) -> None:
    # none < huyền < hỏi < ngã < sắc < nặng
    toned = [
        unicodedata.normalize("NFC", vowel + mark)
        for mark in ["", *"\u0300\u0309\u0303\u0301\u0323"]
    ]
    assert sorted(reversed(toned), key=collation_key) == toned


@pytest.mark.parametrize(
    "ordered",
    [
        ["Ha", "Hà", "Hả", "Hã", "Há", "Hạ", "Hb"],  # tone never beats a letter difference
        ["an", "ạn", "ằn", "ân"],  # vowel shape is primary, tone secondary
        ["ạ", "â"],
        ["ẫ", "ậ"],
        ["Dũng", "Đạt"],  # d < đ although "Dũng" has a tone
        ["Long", "Lộc", "Lợi"],  # o < ô < ơ
        ["Thu", "Thư"],  # u < ư
        ["Hùng", "Hưng"],
        ["ha bà", "hà ba"],  # secondary compares the whole string left to right
        ["hà", "hb"],
        ["an", "An", "AN", "án"],  # lowercase first; tone outranks case
        ["đ", "Đ", "e"],
        ["An", "An Bình", "Anh"],  # the space sorts before every letter
        ["1A", "A1", "An"],  # digits before letters
        ["An", "Anh", "An-", "Zô", "#An"],  # other characters after letters
    ],
)
def test_collation_spot_checks(ordered: list[str]) -> None:
    assert sorted(reversed(ordered), key=collation_key) == ordered
    keys = [collation_key(text) for text in ordered]
    assert all(a < b for a, b in zip(keys, keys[1:], strict=False))


@pytest.mark.parametrize(
    "spelling",
    [
        "\u1ead",  # ậ precomposed
        "a\u0323\u0302",  # NFD: dot below (ccc 220) before circumflex (ccc 230)
        "a\u0302\u0323",  # non-canonical order
        "\u1ea1\u0302",  # ạ + circumflex
        "\u00e2\u0323",  # â + dot below
    ],
)
def test_collation_classifies_marks_by_kind(spelling: str) -> None:
    assert collation_key(spelling) == collation_key("ậ")
    assert collation_key("â") < collation_key(spelling) < collation_key("b")


@pytest.mark.parametrize("name", EXPECTED_ORDER)
def test_collation_ignores_normal_form_and_whitespace(name: str) -> None:
    key = collation_key(name)
    assert collation_key(unicodedata.normalize("NFD", name)) == key
    assert collation_key(" " + name.replace(" ", " \u00a0\t") + "\n") == key


# --- name_sort_key / name_sort_string --------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("key", SORT_KEYS, ids=["key", "string"])
def test_names_sort_in_vietnamese_order(key: Callable[[str], Any], seed: int) -> None:
    shuffled = EXPECTED_ORDER[:]
    random.Random(seed).shuffle(shuffled)
    assert sorted(shuffled, key=key) == EXPECTED_ORDER


@pytest.mark.parametrize("key", SORT_KEYS, ids=["key", "string"])
def test_brief_example(key: Callable[[str], Any]) -> None:
    names = ["Trần Thị Bình", "Nguyễn Văn An", "Lê Ánh", "Lê Anh", "Phạm Văn Ân", "Võ Ăn"]
    assert sorted(names, key=key) == [
        "Nguyễn Văn An",
        "Lê Anh",
        "Lê Ánh",
        "Võ Ăn",
        "Phạm Văn Ân",
        "Trần Thị Bình",
    ]


def test_sort_string_sorts_like_sort_key() -> None:
    by_key = sorted(ALL_NAMES, key=name_sort_key)
    by_string = sorted(ALL_NAMES, key=name_sort_string)
    assert by_string == by_key


def test_sort_string_compares_like_sort_key_pairwise() -> None:
    keys = [name_sort_key(name) for name in ALL_NAMES]
    strings = [name_sort_string(name) for name in ALL_NAMES]
    for i in range(len(ALL_NAMES)):
        for j in range(i + 1, len(ALL_NAMES)):
            assert _sign(strings[i], strings[j]) == _sign(keys[i], keys[j]), (
                ALL_NAMES[i],
                ALL_NAMES[j],
            )


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("Trần Tiến Dũng", "Vũ Thành Đạt"),  # d < đ
        ("Nguyễn Văn Dũng", "Nguyễn Văn Đông"),
        ("Phạm Văn Long", "Phạm Văn Lộc"),  # o < ô
        ("Phạm Văn Lộc", "Phạm Văn Lợi"),  # ô < ơ
        ("Nguyễn Thị Thu", "Nguyễn Thị Thư"),  # u < ư
        ("Trần Văn Hùng", "Nguyễn Văn Hưng"),  # given name first, even against the family name
        ("Nguyễn Văn An", "Võ Ăn"),  # a < ă
        ("Võ Ăn", "Phạm Văn Ân"),  # ă < â
        ("Nguyễn Thị Hà", "Nguyễn Thị Hạ"),  # huyền < nặng
        ("Lê Anh", "Lê Ánh"),  # no tone < sắc
        ("Bùi Ánh", "Lê Anh"),  # the family name outranks the tone
        ("Lề Anh", "Lê Ánh"),  # given name's tone before the family name's tone
        ("Lê An", "Lê Anh"),  # prefix sorts first
        ("Nguyễn An", "Nguyễn Văn An"),
        ("Nguyễn Văn Bình", "Âu Văn Cường"),
        ("nguyễn văn an", "Nguyễn Văn An"),  # lowercase first
        ("Nguyễn Văn An", "NGUYỄN VĂN AN"),
        ("LÊ ANH", "lê ánh"),  # tone outranks case
        ("", "An"),
    ],
)
def test_name_order_spot_checks(earlier: str, later: str) -> None:
    assert name_sort_key(earlier) < name_sort_key(later)
    assert name_sort_string(earlier) < name_sort_string(later)


def test_sort_string_golden_value() -> None:
    # Stored in the database: changing the encoding means recomputing the column.
    assert name_sort_string("Võ Ăn") == "1c1s0231t011014021021"
    assert name_sort_string("") == "00000"


@pytest.mark.parametrize("name", ALL_NAMES)
def test_sort_string_is_short_lowercase_ascii(name: str) -> None:
    encoded = name_sort_string(name)
    assert re.fullmatch(r"[0-9a-z]+", encoded)
    assert len(encoded) <= NAME_SORT_STRING_MAX_LENGTH


@pytest.mark.parametrize("name", EXPECTED_ORDER)
def test_sort_string_ignores_normal_form_and_whitespace(name: str) -> None:
    encoded = name_sort_string(name)
    assert name_sort_string(unicodedata.normalize("NFD", name)) == encoded
    assert name_sort_string("  " + name.replace(" ", "\u00a0 ") + "\t") == encoded


def test_sort_string_fits_sixty_character_names() -> None:
    name = "Nguyễn Thị Phương Thảo Ngọc Lan Hương Quỳnh Anh Mai Bích Ngân"
    assert len(name) >= 60
    assert len(name_sort_string(name)) <= NAME_SORT_STRING_MAX_LENGTH
    assert name_sort_string(name) != name_sort_string(name.upper())  # nothing cut off


def test_sort_string_truncation_never_reverses_order() -> None:
    long_names = [
        " ".join(["Tôn Nữ", *EXPECTED_ORDER[i : i + 8], suffix])
        for i in range(0, len(EXPECTED_ORDER) - 8, 4)
        for suffix in ["An", "Ân", "ÂN"]
    ]
    keys = {name: name_sort_key(name) for name in long_names}
    strings = {name: name_sort_string(name) for name in long_names}
    assert all(len(encoded) == NAME_SORT_STRING_MAX_LENGTH for encoded in strings.values())
    for a in long_names:
        for b in long_names:
            if keys[a] < keys[b]:
                assert strings[a] <= strings[b], (a, b)


# --- parse_decimal ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8,5", "8.5"),
        ("8.5", "8.5"),
        (" 8 ", "8"),
        ("10", "10"),
        ("-0,5", "-0.5"),
        ("+7", "7"),
        ("0", "0"),
        ("9,25", "9.25"),
        ("\u00a09,25\u00a0", "9.25"),  # non-breaking spaces pasted from a spreadsheet
        ("\u202f7,75\t", "7.75"),
        (",5", "0.5"),
        (".5", "0.5"),
        ("8.", "8"),
        ("1.000", "1"),  # one separator is always decimal: scores never reach a thousand
    ],
)
def test_parse_decimal(text: str, expected: str) -> None:
    result = parse_decimal(text)
    assert isinstance(result, Decimal)
    assert result == Decimal(expected)


def test_parse_decimal_keeps_the_digits_typed() -> None:
    assert str(parse_decimal("8,50")) == "8.50"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "8,5,1",
        "8.5.1",
        "1.000,5",
        "1,000.5",
        "1 000",
        "8 ,5",
        "- 5",
        "--1",
        "+-1",
        ".",
        ",",
        "1e3",
        "1E3",
        "nan",
        "NaN",
        "inf",
        "-Infinity",
        "1_000",
        "0x10",
        "\u0663",  # Arabic-Indic three
        "\uff13",  # fullwidth three
        "½",
        "8,5đ",
    ],
)
def test_parse_decimal_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="^Không phải là số hợp lệ: "):
        parse_decimal(text)


def test_parse_decimal_error_message_quotes_input() -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_decimal("tám rưỡi")
    assert str(excinfo.value) == 'Không phải là số hợp lệ: "tám rưỡi"'
