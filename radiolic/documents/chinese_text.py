"""Chinese date formatting and width-based line breaking for canvas-drawn text."""
from __future__ import annotations

from datetime import date

from reportlab.pdfbase.pdfmetrics import stringWidth

# Characters that must not start a line (GB/T 15834 punctuation placement);
# they are pulled back onto the previous line even if it slightly overflows.
_NO_LINE_START = set("，。、；：？！）》」』】〕”’…—·,.;:?!)]}%")
# Characters that must not end a line.
_NO_LINE_END = set("（《「『【〔“‘([{")


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


def wrap_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy line breaking of mixed CJK/Latin text into lines no wider than width."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        current_width = 0.0
        for token in _tokens(paragraph):
            token_width = stringWidth(token, font, size)
            if current and current_width + token_width > width:
                if token[0] in _NO_LINE_START:
                    current += token
                    current_width += token_width
                    continue
                carry = ""
                if current[-1] in _NO_LINE_END:
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
    return lines


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
