"""pyHanko signs and checks even where the thread already runs an event loop (Playwright sync API, async servers)."""
import asyncio
import contextvars
import io
from concurrent.futures import ThreadPoolExecutor


def _inside_a_running_loop(fn):
    """Call `fn` from a coroutine on an event loop of its own thread, in this thread's context (the app context
    with it): this test process may already run Playwright's loop in its main thread, where asyncio.run() is
    refused."""
    async def inner():
        asyncio.get_running_loop()
        return fn()
    with ThreadPoolExecutor(1) as own_thread:
        return own_thread.submit(contextvars.copy_context().run, asyncio.run, inner()).result()


def test_sign_inside_a_running_loop(app):
    from reportlab.pdfgen import canvas

    from radiolic import seal_service
    with app.app_context():
        svc = seal_service.service()
        buf = io.BytesIO()
        c = canvas.Canvas(buf)
        c.drawString(100, 100, "x")
        c.save()
        signed = _inside_a_running_loop(lambda: svc.sign_pdf(buf.getvalue(), reason="t"))
        checks = _inside_a_running_loop(lambda: svc.check_pdf(signed))
        assert len(checks) == 1 and checks[0].intact and checks[0].trusted and checks[0].whole_file
