"""Benchmark issuance on SQLite: import 20,000 stations, issue 20,000 licences, one PDF, archive (render + PAdES
sign + store) the batch, the case's ZIP (streamed from the archived files where archived).

    python bench/issuance.py [--stations 20000] [--archive-count 20000] [--zip-count 20000] [--processes 2]
                             [--database URL]
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

# bench/ holds other scripts (one is named statistics.py): keep the standard library first on the path.
sys.path[0:1] = [str(Path(__file__).resolve().parent.parent)]

from sqlalchemy import func, select  # noqa: E402

from radiolic import create_app  # noqa: E402
from radiolic import archive, instruments, seal_service  # noqa: E402
from radiolic.catalogue import load_catalogue  # noqa: E402
from radiolic.documents import render_licence  # noqa: E402
from radiolic.extensions import db  # noqa: E402
from radiolic.issuance import exports  # noqa: E402
from radiolic.licence_face import face_of  # noqa: E402
from radiolic.models import Applicant, Licence, ServiceItem, User  # noqa: E402
from radiolic.issuance.station_import import COLUMNS, parse_stations  # noqa: E402
from radiolic.workflow import intake, issuance, review  # noqa: E402

TODAY = date(2024, 9, 23)
TYPES = ("public_mobile_base", "repeater", "trunked", "microwave")


def station_table(n: int) -> list[list]:
    rows = []
    for i in range(n):
        rows.append([f"清远移动基站{i + 1:05d}", TYPES[i % 4], f"广东省清远市清城区北江路 {i + 1} 号楼顶",
                     round(113.0 + (i % 997) * 0.0007, 6), round(23.6 + (i // 997) * 0.001, 6), 30,
                     "1885-1915;2010-2025", "1885-1915", 20000, "20M0G7W", 40, 15.5, 30, (i * 37) % 360,
                     "RRU-8T8R-F", "2019CP1234", ""])
    return rows


def as_csv(rows) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def as_xlsx(rows) -> bytes:
    import openpyxl
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("台站清单")
    ws.append(list(COLUMNS))
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def new_case(item_code: str = "ST-NEW"):
    """A case under review, driven through the verbs, and the two staff who act on it."""
    clerk = db.session.scalar(select(User).where(User.username == "clerk"))
    reviewer = db.session.scalar(select(User).where(User.username == "reviewer"))
    if clerk is None:
        clerk = User(username="clerk", display_name="陈窗口", role="clerk", password_hash="x")
        reviewer = User(username="reviewer", display_name="张审核", role="reviewer", password_hash="x")
        db.session.add_all([clerk, reviewer])
    count = db.session.scalar(select(func.count()).select_from(Applicant))
    holder = Applicant(kind="organisation", name=f"中国移动通信集团广东有限公司清远分公司{count or ''}",
                       id_code=f"91441800BENCH{count:05d}", phone="13800138000")
    db.session.add(holder)
    db.session.flush()
    item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == item_code))
    case, _ = intake.submit(item, holder, channel="online", single_window=True, visits=0,
                            materials={m.code: ("received", "") for m in item.materials}, by=clerk, on=TODAY)
    intake.accept(case, by=clerk, on=TODAY)
    review.start_review(case, by=reviewer, on=TODAY)
    db.session.commit()
    return case, clerk, reviewer


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def bench_import(data: bytes, name: str) -> tuple[float, float, int]:
    case, clerk, _ = new_case()
    rows, parse_s = timed(lambda: parse_stations(data, name))
    _, insert_s = timed(lambda: (issuance.add_stations(case, rows, by=clerk, on=TODAY), db.session.commit()))
    return parse_s, insert_s, len(rows)


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the batch's worker processes)."""
    import resource
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=20_000)
    parser.add_argument("--zip-count", type=int, default=20_000, help="licences in the ZIP run (0 skips it)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--pdf-samples", type=int, default=200)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument("--archive-count", type=int, default=20_000,
                        help="licences rendered + PAdES-signed + archived as a batch (0 skips it)")
    parser.add_argument("--seal-samples", type=int, default=200, help="licences timed one by one in one process")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="radiolic-bench-"))
    uri = args.database or f"sqlite:///{workdir / 'bench.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "TESTING": True, "SECRET_KEY": "bench",
                      "SIGNING_KEY_PATH": str(workdir / "key.pem"), "FIXED_TODAY": TODAY,
                      "PUBLIC_BASE_URL": "https://xk.qyrra.example.cn", "SEAL_FOLDER": str(workdir / "seal"),
                      "ARCHIVE_FOLDER": str(workdir / "archive")})
    print(f"database: {uri.split('://')[0]}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    with app.app_context():
        db.create_all()
        load_catalogue()
        db.session.commit()
        table = station_table(args.stations)

        csv_data = as_csv(table)
        parse_s, insert_s, n = bench_import(csv_data, "stations.csv")
        print(f"import CSV  {n:>6} rows ({len(csv_data) / 1e6:.1f} MB): parse {parse_s:6.2f} s + insert "
              f"{insert_s:5.2f} s = {parse_s + insert_s:6.2f} s   (target ≤ 5 s)")
        xlsx_data = as_xlsx(table)
        parse_s, insert_s, n = bench_import(xlsx_data, "stations.xlsx")
        print(f"import XLSX {n:>6} rows ({len(xlsx_data) / 1e6:.1f} MB): parse {parse_s:6.2f} s + insert "
              f"{insert_s:5.2f} s = {parse_s + insert_s:6.2f} s   (target ≤ 20 s)")

        case, _clerk, reviewer = new_case()
        issuance.add_stations(case, parse_stations(csv_data, "s.csv"), by=reviewer, on=TODAY)
        review.decide(case, outcome="approve", reason="符合条件", by=reviewer, on=TODAY)
        db.session.commit()
        result, issue_s = timed(lambda: (issuance.issue(case, format="electronic", by=reviewer, on=TODAY),
                                         db.session.commit())[0])
        print(f"issue {result.count} station licences ({result.first_number} … {result.last_number}; numbers, rows, "
              f"hash + Ed25519 signature each, 1 event, one transaction): {issue_s:.2f} s   (target ≤ 3 s)")

        rows = next(exports.licence_rows(Licence.application_id == case.id, first=args.pdf_samples))
        faces = [face_of(licence, station) for licence, station in rows]
        db.session.rollback()
        render_licence(faces[0])                      # font registration happens once per process
        times, sizes = [], []
        for face in faces:
            start = time.perf_counter()
            pdf = render_licence(face)
            times.append((time.perf_counter() - start) * 1000)
            sizes.append(len(pdf))
        print(f"one licence PDF (embedded CJK subset, QR as one path, signed): median {sorted(times)[len(times) // 2]:.1f} ms, "
              f"mean {sum(times) / len(times):.1f} ms, min {min(times):.1f} ms over {len(times)}; "
              f"{sum(sizes) / len(sizes) / 1024:.0f} KB   (target ≤ 15 ms)")

        if args.archive_count:
            seal_service.create_demo_seal(app.config["OFFICE_NAME"])
            instruments.licence_pdf_bytes(faces[0])             # load the PKCS#12 and pyHanko once
            wall, cpu = [], []
            for face in faces[:args.seal_samples]:
                start, start_cpu = time.perf_counter(), time.process_time()
                archive.write_file(instruments.licence_pdf_bytes(face))
                wall.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            print(f"one licence rendered + PAdES B-B signed + stored, one process: median {sorted(wall)[len(wall) // 2]:.1f} ms "
                  f"wall, {sorted(cpu)[len(cpu) // 2]:.1f} ms CPU over {len(wall)}   (target ≤ 30 ms per licence per core)")
            ids = select(Licence.id).where(Licence.application_id == case.id).order_by(Licence.id).limit(args.archive_count)
            ticks = []
            cpu_before = _cpu_seconds()
            run, archive_s = timed(lambda: instruments.archive_licences(
                Licence.id.in_(ids), on=TODAY, processes=args.processes,
                progress=lambda done, total: ticks.append(done)))
            cpu_ms = (_cpu_seconds() - cpu_before) / max(run.done, 1) * 1000
            print(f"archive {run.done} electronic licences as a batch ({args.processes} processes, progress reported "
                  f"{len(ticks)} times): {archive_s:.1f} s wall = {archive_s / max(run.done, 1) * 1000 * args.processes:.1f} ms "
                  f"per licence per core (wall × processes), {cpu_ms:.1f} ms CPU per licence (parent + workers)   "
                  f"(target ≤ 30 ms; 20,000 ≤ 6 min on 2 cores)")

        if args.zip_count:
            ids = select(Licence.id).where(Licence.application_id == case.id).order_by(Licence.id).limit(args.zip_count)
            stream = exports.zip_stream(exports.licence_rows(Licence.id.in_(ids)), args.processes)
            start = time.perf_counter()
            first_bytes, total = None, 0
            with open(os.devnull, "wb") as sink:
                for chunk in stream:
                    if chunk and first_bytes is None:
                        first_bytes = time.perf_counter() - start
                    total += len(chunk)
                    sink.write(chunk)
            zip_s = time.perf_counter() - start
            print(f"ZIP of {args.zip_count} electronic licences ({args.processes} render processes, ZIP_STORED, "
                  f"streamed): first bytes after {first_bytes:.2f} s, all {total / 1e6:.0f} MB after {zip_s:.1f} s "
                  f"({zip_s / args.zip_count * 1000:.1f} ms per licence)   (target ≤ 120 s; first bytes ≤ 1 s)")
        print(f"load average now {os.getloadavg()[0]:.1f} (other work on the machine slows every figure)")


if __name__ == "__main__":
    main()
