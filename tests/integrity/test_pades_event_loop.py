"""pyHanko signs and checks even where the thread already runs an event loop (Playwright sync API, async servers)."""
import asyncio
def test_sign_inside_a_running_loop(app):
    from radiolic import seal_service
    with app.app_context():
        svc = seal_service.service()
        from reportlab.pdfgen import canvas
        import io
        buf = io.BytesIO(); c = canvas.Canvas(buf); c.drawString(100, 100, "x"); c.save()
        async def inner():
            return svc.sign_pdf(buf.getvalue(), reason="t")
        signed = asyncio.run(inner())
        async def inner2():
            return svc.check_pdf(signed)
        checks = asyncio.run(inner2())
        assert len(checks) == 1 and checks[0].intact and checks[0].trusted and checks[0].whole_file
