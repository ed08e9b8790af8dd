"""The hash-chained audit trail and gapless number allocation."""
from datetime import date

from sqlalchemy import select, update

from radiolic import numbering
from radiolic.extensions import db
from radiolic.models import Event
from radiolic.workflow import record, verify_chain

ON = date(2024, 9, 23)


def test_chain_verifies_and_names_the_first_tampered_event(ctx):
    for i in range(5):
        record(None, "note", by=None, on=ON, note=f"事件 {i}")
    db.session.commit()
    assert verify_chain() == (5, None)
    third = db.session.scalars(select(Event).order_by(Event.id).offset(2).limit(1)).one()
    db.session.execute(update(Event).where(Event.id == third.id).values(note="改过"))
    db.session.commit()
    checked, broken = verify_chain()
    assert (checked, broken) == (2, third.id)


def test_chain_links_each_event_to_the_previous(ctx):
    a = record(None, "x", by=None, on=ON)
    b = record(None, "y", by=None, on=ON)
    assert a.prev_hash == "0" * 64 and b.prev_hash == a.hash and a.hash != b.hash


def test_numbers_are_contiguous_per_kind_and_year(ctx):
    assert numbering.allocate("licence_station_licence", 2024, 3) == 1
    assert numbering.allocate("licence_station_licence", 2024, 2) == 4
    assert numbering.allocate("licence_station_licence", 2025) == 1
    assert numbering.allocate("licence_frequency_permit", 2024) == 1
    assert numbering.peek("licence_station_licence", 2024) == 5


def test_rolled_back_allocation_leaves_no_gap(ctx):
    numbering.allocate("case", 2024, 1)
    db.session.commit()
    numbering.allocate("case", 2024, 10)
    db.session.rollback()
    assert numbering.allocate("case", 2024) == 2


def test_number_formats(ctx):
    assert numbering.case_number(2024) == "SQ2024000001"
    assert numbering.licence_numbers("station_licence", 2024, "441800", 2) == ["441800-2024-S-000001",
                                                                              "441800-2024-S-000002"]
    assert numbering.document_number("清无", "受", 2024) == "清无受〔2024〕1号"
