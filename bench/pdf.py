"""Benchmark licence-face rendering: ms per page (wall and CPU), bytes per PDF, a 2-process ZIP run.

    python bench/pdf.py [-n 300] [--zip 2000] [--processes 2] [--font PATH]
"""
from __future__ import annotations

import os
import sys

# bench/ holds a script named statistics.py: keep the standard library first on the path.
sys.path[0:1] = [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]

import argparse  # noqa: E402
import base64  # noqa: E402
import hashlib  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import zipfile  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from datetime import date  # noqa: E402
from multiprocessing import get_context  # noqa: E402

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from radiolic.documents import (  # noqa: E402
    LicenceFace,
    cjk_font,
    content_hash,
    render_licence,
    render_licences,
    sign,
)

# What licence_face.face_fields prints for a base station (same labels and value shapes).
FIELDS = [
    ("台站名称", "清远移动基站{n:05d}"),
    ("台站类型", "公众移动通信基站"),
    ("台址", "广东省清远市清城区北江路 {n} 号楼顶"),
    ("台址坐标", "东经 113.0{n:04d}°，北纬 23.6{n:03d}°，海拔 30 m"),
    ("发射频率", "1885-1915；2010-2025 MHz"),
    ("接收频率", "1885-1915 MHz"),
    ("必要带宽", "20000 kHz"),
    ("发射标识", "20M0G7W"),
    ("发射功率", "40 W"),
    ("天线", "增益 15.5 dBi，高度 30 m，方位角 {azimuth} °"),
    ("设备型号", "RRU-8T8R-F"),
    ("型号核准代码", "2019CP1234"),
    ("呼号", "—"),
    ("使用条件", "按核定的项目和参数设置、使用无线电台（站）；不得对依法开展的无线电业务产生有害干扰；"
             "接受无线电管理机构的监督检查；有效期届满三十个工作日前申请延续，停用须办理注销。"),
    ("电子证照标识", "1.2.156.3005.2.WXDT.12441800MB2C12345X.4418002024{n:05d}.1.K"),
]
# Common characters for --distinct holder names: every face then has its own font subset.
NAME_CHARS = ("华海江山南北东西中国天地金银铜铁水火木土风云雷电明光新旺兴盛达通信讯网联科技创业"
              "电子工程建设发展投资实业贸易物流服务咨询管理集团股份有限责任公司分厂站台所院局")


def _code(index: int) -> str:
    """A 26-character base32 verification code, distinct per index (as new_verify_codes issues them)."""
    digest = hashlib.sha256(index.to_bytes(8, "big")).digest()
    return base64.b32encode(digest).decode("ascii")[:26]


def make_faces(count: int, font_path: str | None = None, distinct: bool = False) -> list[LicenceFace]:
    """Electronic faces with distinct numbers, URLs and codes (as a case's ZIP has).

    With distinct, each holder name also has its own Chinese characters, so no two faces
    share a font subset (the cost of a one-off licence rather than a case's batch).
    """
    key = Ed25519PrivateKey.generate()
    faces = []
    for index in range(count):
        n = index + 1
        holder = "中国移动通信集团广东有限公司清远分公司"
        if distinct:
            picks = [NAME_CHARS[(index * prime) % len(NAME_CHARS)] for prime in (1, 7, 13, 29)]
            holder = f"清远市{''.join(picks)}{index // len(NAME_CHARS)}有限公司"
        number = f"WXDT-441800-2024-{n:05d}"
        digest = content_hash({"number": number, "holder": holder})
        code = _code(index)
        fields = [(label, value.format(n=n, azimuth=(n * 37) % 360)) for label, value in FIELDS]
        faces.append(LicenceFace(
            kind="station_licence", number=number, holder=holder,
            holder_code="91441800BENCH00001", fields=fields,
            valid_from=date(2024, 9, 23), valid_until=date(2029, 9, 22),
            issued_on=date(2024, 9, 23), office="清远市无线电管理局",
            verify_url=f"https://xk.qyrra.example.cn/verify/{code}",
            verify_code=code, electronic=True,
            content_hash=digest, signature=sign(key, digest), font_path=font_path,
        ))
    return faces


def bench_serial(faces: list[LicenceFace]) -> None:
    """One process: per-page wall and CPU time, PDF size."""
    list(render_licences(faces[:3]))  # warm-up: imports, caches
    wall, cpu, sizes = [], [], []
    run_wall, run_cpu = time.perf_counter(), time.process_time()
    for pdf in render_licences(faces):
        # Time each page from the end of the previous one (the generator yields per face).
        now_wall, now_cpu = time.perf_counter(), time.process_time()
        wall.append(now_wall - run_wall)
        cpu.append(now_cpu - run_cpu)
        run_wall, run_cpu = now_wall, now_cpu
        sizes.append(len(pdf))
    print(f"{len(faces)} licence pages in one process (load average {os.getloadavg()[0]:.1f})")
    print(f"  wall ms/page: mean {1000 * statistics.mean(wall):.2f}, "
          f"median {1000 * statistics.median(wall):.2f}, min {1000 * min(wall):.2f}")
    print(f"  cpu  ms/page: mean {1000 * statistics.mean(cpu):.2f}, "
          f"median {1000 * statistics.median(cpu):.2f}")
    print(f"  size per PDF: mean {statistics.mean(sizes) / 1024:.1f} KB, "
          f"min {min(sizes) / 1024:.1f} KB, max {max(sizes) / 1024:.1f} KB")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_zip(faces: list[LicenceFace], processes: int) -> None:
    """Render into a stored ZIP in worker processes, as issuance.exports.zip_stream does."""
    render_licence(faces[0])  # register the font before forking, as the web process has
    cpu_before, children_before = time.process_time(), _children_cpu()
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink, zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as archive:
        with ProcessPoolExecutor(processes, mp_context=get_context("fork")) as executor:
            for face, pdf in zip(faces, executor.map(render_licence, faces, chunksize=4)):
                archive.writestr(zipfile.ZipInfo(f"{face.number}.pdf", (2024, 9, 23, 0, 0, 0)), pdf)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_before + _children_cpu() - children_before
    per = wall / len(faces)
    print(f"ZIP of {len(faces)} licences, {processes} render processes "
          f"(load average {os.getloadavg()[0]:.1f}): {wall:.1f} s wall, {1000 * per:.2f} ms/licence wall, "
          f"{1000 * cpu / len(faces):.2f} ms/licence CPU (all processes)")
    print(f"  extrapolated to 20,000 licences: {20000 * per:.0f} s wall (target ≤ 120 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=300)
    parser.add_argument("--zip", type=int, default=0, help="licences in a multi-process ZIP run")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--font", default=None, help="TrueType/TTC path to try first")
    parser.add_argument("--distinct", action="store_true",
                        help="a different character subset on every face (no subset cache hits)")
    args = parser.parse_args()

    started = time.perf_counter()
    font = cjk_font(args.font)
    print(f"font: {font.name} ({font.path}), embedded={font.embedded}, "
          f"first registration {1000 * (time.perf_counter() - started):.0f} ms")
    if args.count:
        bench_serial(make_faces(args.count, args.font, args.distinct))
    if args.zip:
        bench_zip(make_faces(args.zip, args.font, args.distinct), args.processes)


if __name__ == "__main__":
    main()
