"""A batch's canonical JSON written from a template gives the very bytes (so hashes and signatures) that
encoding each record in turn gives, whatever the values: unicode, quotes, None, floats, dates, percent signs."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from radiolic.documents import canonical_content, content_hash, key_id_of, public_key_pem, verify
from radiolic.issuance import sealing
from radiolic.issuance.sealing import (COMMON_COLUMNS, PERMIT_COLUMNS, SEAL_COLUMNS, STATION_COLUMNS, batch_canonical,
                                       record_of, seal, seal_all)

TRICKY = ["清远\"基站\"", "back\\slash", "tab\tnew\nline\x01", "100% 50%s %(x)s %%", "", "emoji 📡", "\u2028\u2029",
          "a,\"b\":c", "'single'", "\ud7ff", "null"]
NUMBERS = [0, -1, 2**70, 0.0, -0.0, 1e-7, 1e22, 113.123456, -23.5, 1.0, True, False, None, 3.141592653589793]


def _batch(n: int, shared: bool, kind: str = "station_licence") -> tuple[list[dict], dict]:
    rows, stations = [], {}
    for i in range(n):
        pick = (lambda seq: seq[0]) if shared else (lambda seq: seq[i % len(seq)])
        row = {c: pick(TRICKY + [None]) for c in COMMON_COLUMNS + SEAL_COLUMNS}
        row.update(kind=kind, number=f"441800-2024-S-{i + 1:06d}", issued_on=date(2024, 9, 23),
                   valid_from=date(2024, 9, 23) if shared else datetime(2024, 9, 23, 8, i % 60, tzinfo=timezone.utc),
                   valid_until=date(2029, 9, 22 - (0 if shared else i % 3)), status_changed_on=None,
                   supersedes_id=pick(NUMBERS), superseded_by_id=pick([None, 7, 2**40]), station_id=i,
                   verify_code=f"CODE{i:06d}", id=i + 1, application_id=3, extra_column=object())
        if kind == "frequency_permit":
            row.update({c: pick(TRICKY) for c in PERMIT_COLUMNS}, station_id=None, frequencies=pick(TRICKY + [None]))
        else:
            stations[i] = {c: pick(TRICKY + NUMBERS) for c in STATION_COLUMNS} | {
                "longitude": pick(NUMBERS), "latitude": pick([23.6, -0.0, 0.0, Decimal("23.600"), 1]),
                "altitude_m": pick([30, 30.0, True, None]), "station_name": f"基站{i}", "id": i}
        rows.append(row)
    return rows, stations


@pytest.mark.parametrize("shared", [True, False])
@pytest.mark.parametrize("kind", ["station_licence", "frequency_permit"])
def test_template_bytes_match_the_canonical_encoder(shared, kind):
    rows, stations = _batch(200, shared, kind)
    key = Ed25519PrivateKey.generate()
    kid = key_id_of(key)
    for row in rows:
        row["key_id"] = kid
    pairs = [(row, stations.get(row["station_id"])) for row in rows]
    texts = batch_canonical(pairs, kid)
    assert texts is not None and len(texts) == len(pairs)
    for (row, station), text in zip(pairs, texts):
        expected = canonical_content(sealing._dates_as_text(record_of(dict(row), station)))
        assert text.encode("utf-8") == expected


@pytest.mark.parametrize("shared", [True, False])
def test_template_seal_matches_seal_in_turn(shared):
    key = Ed25519PrivateKey.generate()
    batch, stations = _batch(150, shared)
    seal_all(batch, stations, key, processes=1)
    pem = public_key_pem(key)
    for row in batch:
        alone = dict(row, key_id=None, content_hash=None, signature=None)
        seal(alone, stations[row["station_id"]], key)
        assert (row["key_id"], row["content_hash"], row["signature"]) == \
               (alone["key_id"], alone["content_hash"], alone["signature"])
        assert row["content_hash"] == content_hash(record_of(row, stations[row["station_id"]]))
        assert verify(pem, row["content_hash"], row["signature"])


def test_nan_is_refused_as_the_encoder_refuses_it():
    rows, stations = _batch(100, True)
    stations[5] = dict(stations[5], longitude=float("nan"))
    with pytest.raises(ValueError):
        seal_all(rows, stations, Ed25519PrivateKey.generate(), processes=1)


def test_mixed_kinds_and_small_batches_encode_each_record():
    rows, stations = _batch(100, True)
    rows[3]["kind"] = "frequency_permit"
    assert batch_canonical([(r, stations.get(r["station_id"])) for r in rows], "k") is None
    rows, stations = _batch(sealing.TEMPLATE_MIN - 1, True)
    assert batch_canonical([(r, stations.get(r["station_id"])) for r in rows], "k") is None


def test_equal_floats_of_distinct_objects_and_signed_zeros():
    """Equal non-zero floats read as distinct objects go into the template once; 0.0 and -0.0 (equal, written
    differently) never do."""
    rows, stations = _batch(100, True)
    for i, station in stations.items():
        station.update(longitude=float("113.05"), latitude=-0.0 if i % 2 else 0.0, power_w=float(f"{40 + 0.0 * i}"),
                       altitude_m=0.0 if i == 50 else -0.0)
    kid = "0123456789abcdef"
    for row in rows:
        row["key_id"] = kid
    texts = batch_canonical([(r, stations[r["station_id"]]) for r in rows], kid)
    for row, text in zip(rows, texts):
        station = stations[row["station_id"]]
        assert text.encode("utf-8") == canonical_content(sealing._dates_as_text(record_of(row, station)))


def test_a_large_expiry_reseals_through_the_template(app, make_case, make_user, monkeypatch):
    """Re-sealing a batch (here: the expiry run over more licences than TEMPLATE_MIN) keeps every seal checking."""
    from datetime import timedelta

    from sqlalchemy import select

    from radiolic.extensions import db
    from radiolic.models import Licence
    from radiolic.workflow import issuance
    from tests.conftest import TODAY
    from tests.issuance_cases import issued_with_stations

    n = sealing.TEMPLATE_MIN + 6
    issued_with_stations(app, make_case, make_user, n, valid_until=TODAY + timedelta(days=1))
    planned = []
    plan = sealing.batch_canonical
    monkeypatch.setattr(sealing, "batch_canonical", lambda *args: planned.append(plan(*args)) or planned[-1])
    with app.app_context():
        assert issuance.expire_licences(TODAY + timedelta(days=2)) == n
        assert planned and planned[-1] is not None
        db.session.commit()
        licences = db.session.scalars(select(Licence)).all()
        assert len(licences) == n and all(lic.status == "expired" and lic.previous_seal for lic in licences)
        assert all(sealing.check(lic).ok for lic in licences)
