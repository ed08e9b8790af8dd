"""Case, licence and document numbers, allocated inside the caller's transaction."""
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .extensions import db
from .models import Counter

LICENCE_KIND_CODES = {"frequency_permit": "P", "station_licence": "S"}


def allocate(kind: str, year: int, n: int = 1) -> int:
    """Reserve `n` consecutive values of the (kind, year) sequence; return the first.

    One UPDATE … RETURNING takes value + n, so a batch is contiguous, a rollback leaves no gap
    and concurrent callers queue on the row lock (never MAX()+1, never a database sequence).
    """
    if n < 1:
        raise ValueError("n must be positive")
    dialect = db.engine.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(Counter).values(kind=kind, year=year, value=0)
                       .on_conflict_do_nothing(index_elements=["kind", "year"]))
    last = db.session.execute(
        update(Counter).where(Counter.kind == kind, Counter.year == year)
        .values(value=Counter.value + n).returning(Counter.value)).scalar_one()
    return last - n + 1


def peek(kind: str, year: int) -> int:
    """The last value handed out (0 when none)."""
    return db.session.scalar(select(Counter.value).where(Counter.kind == kind, Counter.year == year)) or 0


def case_number(year: int) -> str:
    return f"SQ{year}{allocate('case', year):06d}"


def licence_numbers(kind: str, year: int, region: str, n: int) -> list[str]:
    first = allocate(f"licence_{kind}", year, n)
    code = LICENCE_KIND_CODES[kind]
    return [f"{region}-{year}-{code}-{seq:06d}" for seq in range(first, first + n)]


def document_number(prefix: str, doc_type: str, year: int) -> str:
    """A 文号 such as 清无受〔2024〕12号 (doc_type 受, 补, 容, 不受, 准, 不准, 特, 终…)."""
    return f"{prefix}{doc_type}〔{year}〕{allocate('doc_' + doc_type, year)}号"
