"""A large batch sealed by worker processes carries the same hashes and signatures as one sealed in turn."""
import time
from datetime import date

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from radiolic.issuance import sealing
from radiolic.documents import public_key_pem, verify
from radiolic.issuance.sealing import COMMON_COLUMNS, SEAL_COLUMNS, STATION_COLUMNS, seal_all


def _batch(n: int) -> tuple[list[dict], dict]:
    rows, stations = [], {}
    for i in range(n):
        row = {c: None for c in COMMON_COLUMNS + SEAL_COLUMNS}
        row.update(kind="station_licence", number=f"441800-2024-S-{i + 1:06d}", format="electronic" if i % 3 else "paper",
                   holder_name="清远测试通信有限公司", issued_on=date(2024, 9, 23), verify_code=f"CODE{i:06d}",
                   station_id=i)
        stations[i] = {c: None for c in STATION_COLUMNS} | {"station_name": f"基站{i}", "longitude": 113.05}
        rows.append(row)
    return rows, stations


def test_parallel_sealing_matches_sequential(monkeypatch):
    key = Ed25519PrivateKey.generate()
    sequential, stations = _batch(40)
    seal_all(sequential, stations, key, processes=1)
    monkeypatch.setattr(sealing, "PARALLEL_SEAL_MIN", 10)
    parallel, _ = _batch(40)
    seal_all(parallel, stations, key, processes=2)
    assert [r["content_hash"] for r in parallel] == [r["content_hash"] for r in sequential]
    # Ed25519 signatures are deterministic: the same digest and key give the same signature.
    assert [r["signature"] for r in parallel] == [r["signature"] for r in sequential]
    pem = public_key_pem(key)
    assert all(verify(pem, r["content_hash"], r["signature"]) for r in parallel if r["format"] == "electronic")
    assert all(verify(pem, r["content_hash"], r["signature"]) for r in parallel if r["format"] == "paper")


def test_parallel_template_sealing_hands_back_every_part_in_order(monkeypatch):
    """Parent share, worker chunks (some perhaps sealed by the parent itself): the same seals, every row written
    once, in order."""
    key = Ed25519PrivateKey.generate()
    sequential, stations = _batch(300)
    seal_all(sequential, stations, key, processes=1)
    monkeypatch.setattr(sealing, "PARALLEL_SEAL_MIN", 10)
    monkeypatch.setattr(sealing, "PARALLEL_CHUNK", 37)
    parallel, _ = _batch(300)
    parts = []
    seal_all(parallel, stations, key, processes=2, sealed=parts.append)
    assert [row for part in parts for row in part] == parallel and len(parts) > 2
    assert [(r["content_hash"], r["signature"], r["key_id"]) for r in parallel] == \
           [(r["content_hash"], r["signature"], r["key_id"]) for r in sequential]


_seal_range = sealing._seal_range


def _slow_range(start, stop):
    """What a forked worker runs in the test below: a worker slowed by other work on the host."""
    time.sleep(0.2)
    return _seal_range(start, stop)


def test_a_slow_worker_leaves_its_unstarted_chunks_to_the_parent(monkeypatch):
    key = Ed25519PrivateKey.generate()
    sequential, stations = _batch(300)
    seal_all(sequential, stations, key, processes=1)
    monkeypatch.setattr(sealing, "PARALLEL_SEAL_MIN", 10)
    monkeypatch.setattr(sealing, "PARALLEL_CHUNK", 20)
    monkeypatch.setattr(sealing, "_seal_range", _slow_range)
    here = []
    seal_pairs = sealing._seal_pairs
    monkeypatch.setattr(sealing, "_seal_pairs", lambda pairs, *args: (here.append(len(pairs)), seal_pairs(pairs, *args)))
    parallel, _ = _batch(300)
    parts = []
    seal_all(parallel, stations, key, processes=2, sealed=parts.append)
    assert len(here) > 2          # the parent's own share, then chunks it took over
    assert [row for part in parts for row in part] == parallel
    assert [(r["content_hash"], r["signature"]) for r in parallel] == \
           [(r["content_hash"], r["signature"]) for r in sequential]
