"""Vietnamese text helpers: search folding, name splitting, collation and decimal parsing.

Pure standard library on purpose: these functions are used by models, forms, CSV import and
tests alike, and must not drag Flask or SQLAlchemy in with them.

Collation follows the order of Vietnamese dictionaries and class lists:

* **Primary** — the letter. The alphabet is
  ``a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y``; the vowel-shape marks (breve,
  circumflex, horn) make *different letters*, so ``An < Ăn < Ân`` and ``Dũng < Đạt``. The
  foreign letters f j w z sit at their Latin positions, a space sorts before everything (so
  ``"An" < "An Bình" < "Anh"``), digits come before letters and any other character after them.
* **Secondary** — the tone: none < huyền < hỏi < ngã < sắc < nặng (``a à ả ã á ạ``), the order
  Vietnamese dictionaries use. Marks foreign to Vietnamese (ü, ç, ñ, …) rank after
  every tone.
* **Tertiary** — case, lowercase first.

Every level is compared over the whole string before the next level is looked at, so
``"Ha" < "Hà" < "Hả" < "Hã" < "Há" < "Hạ" < "Hb"``.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Final

__all__ = [
    "NAME_SORT_STRING_MAX_LENGTH",
    "collation_key",
    "fold",
    "name_sort_key",
    "name_sort_string",
    "parse_decimal",
    "split_name",
]

# --- Combining marks -------------------------------------------------------------------------

# Tone marks, in dictionary order; the value is the secondary weight (0 = no tone).
# NFD already maps the deprecated U+0340/U+0341 tone marks onto U+0300/U+0301.
_TONES: Final[dict[str, int]] = {
    "\u0300": 1,  # huyền  (grave)
    "\u0309": 2,  # hỏi    (hook above)
    "\u0303": 3,  # ngã    (tilde)
    "\u0301": 4,  # sắc    (acute)
    "\u0323": 5,  # nặng   (dot below)
}
_TONE_COUNT: Final = 6  # none + the five tones above

_BREVE: Final = "\u0306"
_CIRCUMFLEX: Final = "\u0302"
_HORN: Final = "\u031b"

# Letters formed by a base letter plus a vowel-shape mark. Anything else (ĉ, ŝ, …) keeps its
# base letter and the mark becomes a secondary "foreign mark" difference.
_SHAPED: Final[dict[tuple[str, str], str]] = {
    ("a", _BREVE): "ă",
    ("a", _CIRCUMFLEX): "â",
    ("e", _CIRCUMFLEX): "ê",
    ("o", _CIRCUMFLEX): "ô",
    ("o", _HORN): "ơ",
    ("u", _HORN): "ư",
}

# --- Primary weights -------------------------------------------------------------------------

_ALPHABET: Final = (
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m",
    "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
)  # fmt: skip

# Weight 0 is the space (word boundary), then the digits, then the alphabet.
_PRIMARY: Final[dict[str, int]] = {
    " ": 0,
    **{digit: 1 + int(digit) for digit in "0123456789"},
    **{letter: 11 + index for index, letter in enumerate(_ALPHABET)},
}
# Other characters get this offset plus their (lowercased) code point, i.e. they sort after
# every letter, among themselves by code point.
_OTHER_BASE: Final = 1000

# --- Sort-string encoding --------------------------------------------------------------------

_DIGITS36: Final = "0123456789abcdefghijklmnopqrstuvwxyz"
# The separator must be lower than the first character of every code, which is why no code
# starts with "0".
_SEPARATOR: Final = "0"
# Code for "other" characters: this escape plus four base-36 digits of the code point
# (36**4 > 0x10FFFF). No two-character code starts with "zz", so codes stay prefix-free.
_OTHER_ESCAPE: Final = "zz"

#: Maximum length of :func:`name_sort_string`; size the database column to this.
NAME_SORT_STRING_MAX_LENGTH: Final = 255

_WHITESPACE_RUN: Final = re.compile(r"\s+")


def _squash_spaces(text: str) -> str:
    """Collapse runs of Unicode whitespace (incl. NBSP) to one ASCII space and strip."""
    return _WHITESPACE_RUN.sub(" ", text).strip()


def fold(text: str) -> str:
    """Fold ``text`` for diacritic- and case-insensitive search.

    ``"Nguyễn Văn Đức"`` → ``"nguyen van duc"``. Works for NFC, NFD and mixed input.

    Casefolding happens *before* decomposition because a few casefolds produce new combining
    marks (e.g. ``"ǰ"``) that must be dropped too. ``đ`` has no Unicode decomposition (it is a
    letter with a bar, not d + a mark) so it is mapped to ``d`` explicitly.
    """
    decomposed = unicodedata.normalize("NFD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _squash_spaces(stripped.replace("đ", "d"))


def split_name(full_name: str) -> tuple[str, str]:
    """Split a Vietnamese full name into ``(given name, family and middle names)``.

    Vietnamese names are written family name first, so the given name — the one people are
    addressed and listed by — is the *last* word: ``"Nguyễn Văn An"`` → ``("An", "Nguyễn Văn")``.
    Whitespace is collapsed and the parts are returned in NFC, so names typed on systems that
    produce decomposed text (macOS, some Vietnamese IMEs) compare equal to the rest.
    """
    words = unicodedata.normalize("NFC", full_name).split()
    if not words:
        return "", ""
    return words[-1], " ".join(words[:-1])


def _weights(text: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Return the primary, secondary and tertiary weight sequences of ``text``.

    Works on NFD grapheme clusters (a base character plus its combining marks) and classifies
    each mark by *kind*, not position: canonical ordering puts the dot below (class 220) before
    the circumflex (class 230), so ``"ậ"`` is ``a + U+0323 + U+0302``.
    """
    primary: list[int] = []
    secondary: list[int] = []
    tertiary: list[int] = []

    decomposed = unicodedata.normalize("NFD", _squash_spaces(text))
    index = 0
    while index < len(decomposed):
        base = decomposed[index]
        index += 1
        marks: list[str] = []
        while index < len(decomposed) and unicodedata.combining(decomposed[index]):
            marks.append(decomposed[index])
            index += 1
        if unicodedata.combining(base):
            # A stray mark with nothing to sit on (start of text): treat it as a character.
            marks.insert(0, base)
            base = "\u25cc"  # dotted circle, the conventional placeholder base

        lower = base.lower()
        if len(lower) != 1:  # e.g. "İ".lower() is two characters; keep the original
            lower = base
        letter = lower
        tone = 0
        foreign_mark = False
        for mark in marks:
            if letter == lower and (lower, mark) in _SHAPED:
                letter = _SHAPED[lower, mark]
            elif mark in _TONES and tone == 0:
                tone = _TONES[mark]
            else:
                foreign_mark = True

        primary.append(_PRIMARY.get(letter, _OTHER_BASE + ord(letter)))
        secondary.append(tone + (_TONE_COUNT if foreign_mark else 0))
        tertiary.append(1 if base != lower else 0)
    return tuple(primary), tuple(secondary), tuple(tertiary)


def collation_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Sort key for arbitrary Vietnamese text: ``sorted(words, key=collation_key)``.

    The key is ``(primary, secondary, tertiary)`` weight tuples for the whole (whitespace-
    normalised) string, so tone only breaks ties between otherwise identical letters, and case
    only breaks ties between otherwise identical letters and tones.
    """
    return _weights(text)


def name_sort_key(full_name: str) -> tuple[tuple[int, ...], ...]:
    """Sort key ordering people the Vietnamese way: by given name, then family + middle names.

    ``"Lê Anh" < "Nguyễn Văn An"`` would be wrong; ``"Nguyễn Văn An" < "Lê Anh"`` is right,
    because class lists are ordered by the given name (the last word). Ties are broken by the
    rest of the name; tones and then case only decide between names identical at the letter
    level, given name before the rest at each level.
    """
    given, rest = split_name(full_name)
    given_p, given_s, given_t = _weights(given)
    rest_p, rest_s, rest_t = _weights(rest)
    return given_p, rest_p, given_s, rest_s, given_t, rest_t


def _primary_code(weight: int) -> str:
    """Encode a primary weight as a prefix-free, order-preserving code over ``[0-9a-z]``.

    Letters, digits and the space get two characters, the first never ``"0"`` (the separator)
    and never ``"zz"``; other characters get ``"zz"`` plus four base-36 digits of their code
    point, which sorts after every two-character code and among themselves by code point.
    """
    if weight < _OTHER_BASE:
        value = 36 + weight  # skip the "0x" block so no code starts with the separator
        return _DIGITS36[value // 36] + _DIGITS36[value % 36]
    code_point = weight - _OTHER_BASE
    digits = ""
    for _ in range(4):
        code_point, remainder = divmod(code_point, 36)
        digits = _DIGITS36[remainder] + digits
    return _OTHER_ESCAPE + digits


def _small_code(weight: int) -> str:
    """Encode a secondary/tertiary weight (0–11) as one character, never the separator."""
    return _DIGITS36[weight + 1]


def name_sort_string(full_name: str) -> str:
    """Encode :func:`name_sort_key` as a short ASCII string (``[0-9a-z]`` only).

    Store it in an indexed column and ``ORDER BY`` it with a byte-wise ("C"/binary) collation
    to get the same order as ``sorted(..., key=name_sort_key)`` without relying on the
    database knowing Vietnamese. Layout, with ``0`` as the separator::

        given primary 0 rest primary 0 given secondary 0 rest secondary 0 given tertiary 0 rest
        tertiary

    Primary weights take two characters per character (six for characters outside Vietnamese,
    digits and the space); secondary and tertiary weights one character each. No code starts
    with ``0``, so a shorter part sorts before a longer one sharing its prefix, just like the
    tuples of :func:`name_sort_key`. A 60-character name of letters and spaces needs at most
    245 characters.

    Longer results are cut at :data:`NAME_SORT_STRING_MAX_LENGTH`. Cutting a suffix never
    reverses the order of two strings, it can only make them tie, and the lowest levels (case,
    then tone) are lost first.
    """
    given_p, rest_p, given_s, rest_s, given_t, rest_t = name_sort_key(full_name)
    encoded = _SEPARATOR.join(
        [
            "".join(map(_primary_code, given_p)),
            "".join(map(_primary_code, rest_p)),
            "".join(map(_small_code, given_s)),
            "".join(map(_small_code, rest_s)),
            "".join(map(_small_code, given_t)),
            "".join(map(_small_code, rest_t)),
        ]
    )
    return encoded[:NAME_SORT_STRING_MAX_LENGTH]


# ASCII digits only: Decimal() would happily accept "1_000", "1e3", "NaN", "٣" or "３".
# One separator, comma or point, is always the decimal separator: scores never reach a
# thousand, so "1.000" means one and anything with two separators is refused as ambiguous.
_DECIMAL_RE: Final = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")


def parse_decimal(text: str) -> Decimal:
    """Parse a score typed with a decimal comma (Vietnamese habit) or point.

    ``"8,5"``, ``"8.5"``, ``" 8 "``, ``"-0,5"`` are accepted; surrounding whitespace, including
    non-breaking spaces pasted from spreadsheets, is ignored. Exponents, NaN/infinity, digit
    group separators and non-ASCII digits raise :class:`ValueError` with a Vietnamese message
    that can be shown to the user as-is.
    """
    candidate = text.strip()
    if not _DECIMAL_RE.fullmatch(candidate):
        raise ValueError(f'Không phải là số hợp lệ: "{text}"')
    # The pattern only admits literals Decimal accepts, so this cannot raise InvalidOperation.
    return Decimal(candidate.replace(",", "."))
