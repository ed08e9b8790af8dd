"""Benchmark licence-face rendering: milliseconds per page and bytes per PDF."""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from radiolic.documents import (  # noqa: E402 - path set up above for `python bench/pdf.py`
    LicenceFace,
    cjk_font,
    content_hash,
    render_licences,
    sign,
)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

FIELDS = [
    ("台站名称", "清远移动清城区东城基站"),
    ("台站类别", "地面固定业务/公众移动通信基站"),
    ("台址", "广东省清远市清城区东城街道人民一路128号通信铁塔（楼顶）"),
    ("经纬度", "E113°03′12″ N23°41′45″"),
    ("发射频率", "1885-1915 MHz"),
    ("接收频率", "1885-1915 MHz"),
    ("带宽", "20 MHz"),
    ("发射标识", "20M0G7W"),
    ("发射功率", "40 W"),
    ("天线增益", "18 dBi"),
    ("天线高度", "45 m"),
    ("呼号", "—"),
    ("使用条件", "不得对其他合法无线电台（站）产生有害干扰；按规定接受监督检查。"),
]


def make_faces(count: int, font_path: str | None) -> list[LicenceFace]:
    """Distinct electronic faces (different holders, numbers, URLs) so nothing is cached."""
    key = Ed25519PrivateKey.generate()
    faces = []
    for index in range(count):
        holder = f"清远市第{index + 1}无线通信工程有限公司"
        number = f"441800-2024-{index:05d}"
        digest = content_hash({"number": number, "holder": holder})
        faces.append(LicenceFace(
            kind="station_licence", number=number, holder=holder,
            holder_code=f"91441800MA4UJ{index:05d}", fields=FIELDS,
            valid_from=date(2024, 9, 27), valid_until=date(2029, 9, 26),
            issued_on=date(2024, 9, 27), office="清远市无线电管理局",
            verify_url=f"https://radio.qingyuan.gov.cn/verify/QY{index:06d}",
            verify_code=f"QY{index:06d}", electronic=True,
            content_hash=digest, signature=sign(key, digest), font_path=font_path,
        ))
    return faces


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--count", type=int, default=200)
    parser.add_argument("--font", default=None, help="TrueType/TTC path to try first")
    args = parser.parse_args()

    started = time.perf_counter()
    font = cjk_font(args.font)
    print(f"font: {font.name} ({font.path}), embedded={font.embedded}, "
          f"first registration {1000 * (time.perf_counter() - started):.0f} ms")

    faces = make_faces(args.count, args.font)
    list(render_licences(faces[:3]))  # warm-up: imports, caches

    wall, cpu, sizes = [], [], []
    run_wall = time.perf_counter()
    run_cpu = time.process_time()
    for pdf in render_licences(faces):
        # Time each page from the end of the previous one (generator yields per face).
        now_wall, now_cpu = time.perf_counter(), time.process_time()
        wall.append(now_wall - run_wall)
        cpu.append(now_cpu - run_cpu)
        run_wall, run_cpu = now_wall, now_cpu
        sizes.append(len(pdf))

    print(f"{len(faces)} licence pages via render_licences")
    print(f"  wall ms/page: mean {1000 * statistics.mean(wall):.2f}, "
          f"median {1000 * statistics.median(wall):.2f}, min {1000 * min(wall):.2f}")
    print(f"  cpu  ms/page: mean {1000 * statistics.mean(cpu):.2f}, "
          f"median {1000 * statistics.median(cpu):.2f}")
    print(f"  size per PDF: mean {statistics.mean(sizes) / 1024:.1f} KB, "
          f"min {min(sizes) / 1024:.1f} KB, max {max(sizes) / 1024:.1f} KB")


if __name__ == "__main__":
    main()
