"""ReportLab canvas whose page content streams are deflated without an ASCII85 layer."""
from __future__ import annotations

from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas


class FlateCanvas(Canvas):
    """Canvas that writes each compressed page stream with /FlateDecode alone.

    ReportLab's default (rl_config.useA85) wraps compressed page streams in ASCII85: a
    quarter more bytes and a pure-Python encoder that cost ~1 ms per licence page. The
    setting is process-wide, so it is left alone and each page gets its stream here.
    """

    def showPage(self):
        super().showPage()
        try:
            page = self._doc.Pages.pages[-1]
        except (AttributeError, IndexError):
            return
        # Only a stock page that ReportLab would compress and has not given Contents yet;
        # anything else is left to the stock code.
        if (type(page) is not pdfdoc.PDFPage or not getattr(page, "compression", 0)
                or getattr(page, "Contents", None) or not isinstance(getattr(page, "stream", None), str)):
            return
        stream = pdfdoc.PDFStream(content=page.stream, filters=[pdfdoc.PDFZCompress])
        stream.__Comment__ = "page stream"
        page.Contents = stream
