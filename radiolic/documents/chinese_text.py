"""Chinese date formatting and line breaking (with kinsoku rules) for drawn text."""
from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date

from reportlab.pdfbase.pdfmetrics import stringWidth

# Characters that must not start a line (GB/T 15834 punctuation placement).
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…—·,.;:?!)]}%")
# Characters that must not end a line.
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")
# Widths are compared with this slack, as ReportLab's own line breaking does.
FUZZ = 1e-6


def chinese_date(value: date) -> str:
    """Format a date the way official Chinese documents print it: 2024年9月27日."""
    return f"{value.year}年{value.month}月{value.day}日"


def _tokens(text: str) -> list[str]:
    """Split into breakable units: one CJK character each, Latin words/numbers kept whole."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if char.isascii() and not char.isspace() and char not in "/-":
            word += char
            continue
        if word:
            tokens.append(word)
            word = ""
        # Keep a slash or hyphen attached to what precedes it so URLs and ranges
        # break after the separator rather than before it.
        if char in "/-" and tokens and tokens[-1].isascii():
            tokens[-1] += char
        else:
            tokens.append(char)
    if word:
        tokens.append(word)
    return tokens


@functools.lru_cache(maxsize=2048)
def _measured(paragraph: str, font: str) -> tuple[tuple[str, float], ...]:
    """Tokens of one paragraph with their widths at 1 pt (widths scale with the size)."""
    return tuple((token, stringWidth(token, font, 1.0)) for token in _tokens(paragraph))


def wrap_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy line breaking of mixed CJK/Latin text into lines no wider than width.

    Closing punctuation is pulled back onto the previous line (it may hang slightly
    past the width) and opening punctuation is carried down to the next one.
    """
    return list(_wrap(text, font, size, width))


# Licence faces repeat the same labels and conditions on every page, and a table is laid
# out at up to four sizes: cached lines and token widths keep layout off the profile.
@functools.lru_cache(maxsize=4096)
def _wrap(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        current_width = 0.0
        for token, unit_width in _measured(paragraph, font):
            token_width = unit_width * size
            if current and current_width + token_width > width:
                if token[0] in NO_LINE_START:
                    current += token
                    current_width += token_width
                    continue
                carry = ""
                if current[-1] in NO_LINE_END:
                    current, carry = current[:-1], current[-1]
                lines.append(current.rstrip())
                current = carry + token.lstrip()
                current_width = stringWidth(current, font, size)
                if current_width > width:
                    # A single token longer than the line (long hex, URL): hard-split it.
                    pieces = _hard_split(current, font, size, width)
                    lines.extend(pieces[:-1])
                    current = pieces[-1]
                    current_width = stringWidth(current, font, size)
            else:
                if not current and token_width > width:
                    pieces = _hard_split(token, font, size, width)
                    lines.extend(pieces[:-1])
                    token = pieces[-1]
                    token_width = stringWidth(token, font, size)
                current += token
                current_width += token_width
        lines.append(current.rstrip())
    return tuple(lines)


def _hard_split(text: str, font: str, size: float, width: float) -> list[str]:
    """Split text by characters so every piece fits in width."""
    pieces: list[str] = []
    current = ""
    for char in text:
        if current and stringWidth(current + char, font, size) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    pieces.append(current)
    return pieces


def _is_word_char(char: str) -> bool:
    """Latin letters and digits: a line never breaks between two of them if it can help it."""
    return char.isascii() and char.isalnum()


def _allowed_break(chars: Sequence[str], start: int, end: int) -> bool:
    """Whether a line may end before chars[end] (the line being chars[start:end])."""
    after, before = chars[end], chars[end - 1]
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    # Keep numbers, codes and Latin words whole (they are short in these documents).
    return not (_is_word_char(before) and _is_word_char(after))


def kinsoku_breaks(chars: Sequence[str], widths: Sequence[float],
                   max_widths: Sequence[float], forced: Sequence[bool] = ()) -> list[int]:
    """End index of each line when chars (with widths) are set in lines of max_widths.

    Greedy filling, then the break moves back (the line gets shorter, never wider) until
    the next line does not start with closing punctuation, this line does not end with
    opening punctuation and no Latin word or number is cut. Where no such break exists
    within the line, the greedy break stands. forced[i] ends a line after chars[i]
    (an explicit line break).
    """
    ends: list[int] = []
    count = len(chars)
    start = 0
    while start < count:
        limit = max_widths[min(len(ends), len(max_widths) - 1)]
        end, used = start, 0.0
        while end < count:
            if end > start and used + widths[end] > limit + FUZZ:
                break
            used += widths[end]
            end += 1
            if forced and forced[end - 1]:
                break
        if end < count and not (forced and forced[end - 1]):
            candidate = end
            while candidate > start + 1 and not _allowed_break(chars, start, candidate):
                candidate -= 1
            if candidate > start + 1 or _allowed_break(chars, start, candidate):
                end = candidate
        ends.append(end)
        start = end
    return ends
