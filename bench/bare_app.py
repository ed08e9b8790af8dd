"""The baseline of the public-page bench: a bare Flask + SQLite page (one SELECT by key, one small template).

Served by the same gunicorn settings as radiolic in bench/scale.py, so the ratio says what radiolic costs on top
of Flask itself. BARE_DATABASE names the SQLite file (the generated register: it reads the same licence table);
BARE_DATABASE_URL (postgresql://…) reads the same table from PostgreSQL instead, with psycopg.
"""
import os
import sqlite3

from flask import Flask, abort, g, render_template_string

app = Flask(__name__)
PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>核验</title></head><body>
<h1>无线电证照核验</h1>{% if row %}<dl><dt>编号</dt><dd>{{ row[0] }}</dd><dt>持证人</dt><dd>{{ row[1] }}</dd>
<dt>有效期至</dt><dd>{{ row[2] }}</dd><dt>状态</dt><dd>{{ row[3] }}</dd></dl>{% endif %}</body></html>"""


POSTGRES = os.environ.get("BARE_DATABASE_URL")
MARK = "%s" if POSTGRES else "?"
_pg = None


def connection():
    global _pg
    if POSTGRES:             # one connection per worker process, as a pool would keep it
        if _pg is None:
            import psycopg
            _pg = psycopg.connect(POSTGRES.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        return _pg
    if "db" not in g:
        g.db = sqlite3.connect(os.environ["BARE_DATABASE"])
    return g.db


@app.teardown_appcontext
def close(_exc):
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


@app.get("/verify/<code>")
def verify(code: str):
    row = connection().execute("SELECT number, holder_name, valid_until, status FROM licence WHERE verify_code = " + MARK,
                               (code,)).fetchone()
    if row is None:
        abort(404)
    return render_template_string(PAGE, row=row)
