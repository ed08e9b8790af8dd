"""Draw a QR code onto a ReportLab canvas as a single filled vector path."""
from __future__ import annotations

import segno

# Quiet zone required by ISO/IEC 18004 for reliable scanning, in modules.
QUIET_ZONE = 4

# Scoring all eight masks (ISO/IEC 18004's encoder advice) costs ~5 ms of a ~18 ms licence page;
# every decoder reads any mask, so a fixed one keeps a 20,000-licence ZIP within its budget.
QR_MASK: int | None = 2


def qr_matrix(data: str) -> tuple[bytearray, ...]:
    """Module matrix (no quiet zone) for data at error-correction level M."""
    # micro=False: segno would otherwise pick a Micro QR for short strings,
    # which most phone scanners cannot read.
    return segno.make(data, error="m", micro=False, mask=QR_MASK).matrix


def _fmt(value: float) -> str:
    """Compact PDF number: three decimals, trailing zeros dropped."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def draw_qr(canvas, data: str, x: float, y: float, size: float) -> float:
    """Draw the QR for data with its quiet zone inside the size×size square at (x, y).

    Returns the width of the quiet zone, so captions can line up with the printed modules.
    """
    matrix = qr_matrix(data)
    modules = len(matrix) + 2 * QUIET_ZONE
    unit = size / modules
    # The path is written as raw PDF operators in module units (y pointing down,
    # integer coordinates): ReportLab's PathObject formats every float through
    # fp_str, which made the QR the slowest part of a licence page.
    ops = [
        "q 0 g",
        f"{_fmt(unit)} 0 0 {_fmt(-unit)} {_fmt(x + QUIET_ZONE * unit)} "
        f"{_fmt(y + size - QUIET_ZONE * unit)} cm",
    ]
    for row_index, row in enumerate(matrix):
        column = 0
        width = len(row)
        while column < width:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < width and row[column]:
                column += 1
            # One rectangle per horizontal run of dark modules, not per module.
            ops.append(f"{start} {row_index} {column - start} 1 re")
    ops.append("f Q")
    canvas.addLiteral("\n".join(ops))
    return QUIET_ZONE * unit

