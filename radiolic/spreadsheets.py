"""Cells for CSV and XLSX exports, safe from formula injection (reliability.md, Web)."""
import re

# ASCII and full-width formula starts (spreadsheets fold ＝＋－＠ to their ASCII forms), and any leading
# control character (tab, carriage return and the rest of C0/C1: some programs skip them and read on).
FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\u2212", "\ufe62", "\ufe63", "\ufe66")
_LEADING_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def formula_safe(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; other values pass unchanged."""
    if isinstance(value, str) and value and (value.startswith(FORMULA_STARTS) or _LEADING_CONTROL.match(value)):
        return "'" + value
    return value
