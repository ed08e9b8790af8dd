"""The round red seal drawn at a document's seal place, and the 样稿 mark of unissued previews."""
from __future__ import annotations

import math

SEAL_RED = (0.85, 0.1, 0.1)


def draw_seal(canvas, cx: float, cy: float, radius: float, office: str, font: str, label: str = "") -> None:
    """A red ring, the office name along the upper arc, a star in the middle and `label` (e.g. 演示印章) below."""
    canvas.saveState()
    canvas.setStrokeColorRGB(*SEAL_RED)
    canvas.setFillColorRGB(*SEAL_RED)
    canvas.setLineWidth(max(radius / 18, 1.5))
    canvas.circle(cx, cy, radius, stroke=1, fill=0)
    _star(canvas, cx, cy, radius * 0.28)
    text = office or ""
    if text:
        size = min(radius * 0.24, 11)
        span = min(240.0, 18.0 * len(text))             # degrees of arc the name covers
        step = span / max(len(text) - 1, 1)
        start = 90 + span / 2
        for i, char in enumerate(text):
            angle = math.radians(start - i * step)
            x = cx + (radius - size * 1.15) * math.cos(angle)
            y = cy + (radius - size * 1.15) * math.sin(angle)
            canvas.saveState()
            canvas.translate(x, y)
            canvas.rotate(math.degrees(angle) - 90)
            canvas.setFont(font, size)
            canvas.drawCentredString(0, -size * 0.35, char)
            canvas.restoreState()
    if label:
        size = min(radius * 0.2, 9)
        canvas.setFont(font, size)
        canvas.drawCentredString(cx, cy - radius * 0.62, label)
    canvas.restoreState()


def _star(canvas, cx: float, cy: float, r: float) -> None:
    path = canvas.beginPath()
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.4
        angle = math.radians(90 + i * 36)
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        if i == 0:
            path.moveTo(x, y)
        else:
            path.lineTo(x, y)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


def draw_draft_mark(canvas, width: float, height: float, font: str) -> None:
    """A large grey diagonal 样稿 across the page: a preview, not an issued instrument."""
    canvas.saveState()
    canvas.setFillColorRGB(0.75, 0.75, 0.75)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(35)
    size = 120
    canvas.setFont(font, size)
    canvas.drawCentredString(0, -size / 3, "样稿")
    canvas.restoreState()
    canvas.saveState()
    canvas.setFillColorRGB(0.55, 0.55, 0.55)
    canvas.setFont(font, 10)
    canvas.drawCentredString(width / 2, height - 22, "样稿 · 未签发 · 不具法律效力")
    canvas.restoreState()
