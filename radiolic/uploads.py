"""Applicants' material files: type from content, size limit, random stored names under UPLOAD_FOLDER."""
import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from .extensions import db
from .models import Application, Upload
from .models.base import utcnow
from .texts import N_, Names
from .workflow import WorkflowError

# Magic bytes -> (mime, extension). The client's file name and Content-Type are never trusted.
MATERIAL_TYPES = [(b"%PDF-", "application/pdf", "pdf"), (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
                  (b"\xff\xd8\xff", "image/jpeg", "jpg")]
STATION_TYPES = [(b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")]
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|png|jpg|csv|xlsx)$")


class UploadRefused(WorkflowError):
    """The file is refused before anything is written."""

    def __init__(self, message: str, field: str = "file", params: dict | None = None):
        super().__init__(message, field=field, code="invalid", params=params)


@dataclass
class Checked:
    """A file that passed the checks, held in memory until it is saved."""

    data: bytes
    mime: str
    ext: str
    filename: str
    sha256: str


def display_name(raw: str | None, ext: str) -> str:
    """The name shown to people: the last path part, printable characters only; never used as a path."""
    name = unicodedata.normalize("NFKC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*').strip(" .")
    return (name or f"file.{ext}")[-120:]


def _read_capped(storage, limit: int) -> bytes:
    data = storage.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(N_("文件超过大小上限 %(mb)s MB。"), params={"mb": limit // (1024 * 1024) or 1})
    return data


def check(storage, *, kinds=MATERIAL_TYPES, allow_csv: bool = False) -> Checked:
    """Read and check an uploaded file (werkzeug FileStorage): not empty, within the limit, a known type."""
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = _read_capped(storage, limit)
    if not data:
        raise UploadRefused(N_("文件为空。"))
    for magic, mime, ext in kinds:
        if data.startswith(magic):
            break
    else:
        if not allow_csv or not _is_text(data):
            allowed = Names([e.upper() for _m, _t, e in kinds] + (["CSV"] if allow_csv else []))
            raise UploadRefused(N_("文件类型不支持：请上传 %(allowed)s 文件（按文件内容判断，而非扩展名）。"),
                                params={"allowed": allowed})
        mime, ext = "text/csv", "csv"
    return Checked(data=data, mime=mime, ext=ext, filename=display_name(storage.filename, ext),
                   sha256=hashlib.sha256(data).hexdigest())


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            return False
    return b"\x00" not in data


def folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]).resolve()


def save(checked: Checked, case: Application, material_code: str, *, by_applicant: bool = True,
         note: str = "") -> Upload:
    """Write the file under a random name and add its row (the caller commits, or calls discard())."""
    if by_applicant:
        check_public_quota(case, len(checked.data))
    root = folder()
    root.mkdir(parents=True, exist_ok=True)
    stored = f"{secrets.token_hex(16)}.{checked.ext}"
    fd = os.open(root / stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(checked.data)
    upload = Upload(application_id=case.id, material_code=material_code, filename=checked.filename,
                    stored_name=stored, mime=checked.mime, size=len(checked.data), sha256=checked.sha256,
                    by_applicant=by_applicant, note=note)
    db.session.add(upload)
    return upload


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{(n + 1023) // 1024} KB"


def check_public_quota(case: Application, size: int) -> None:
    """Applicants' uploads: a total per application and a total per day for the whole public side (settings)."""
    config = current_app.config
    if case.id is None:
        db.session.flush()
    per_case = config["PUBLIC_UPLOAD_BYTES_PER_APPLICATION"]
    used = db.session.scalar(select(func.coalesce(func.sum(Upload.size), 0)).where(
        Upload.application_id == case.id, Upload.by_applicant.is_(True))) or 0
    if used + size > per_case:
        raise UploadRefused(N_("本申请上传的文件合计不能超过 %(limit)s（已上传 %(used)s）。请压缩文件，或到窗口递交纸质材料。"),
                            params={"limit": _mb(per_case), "used": _mb(used)})
    per_day = config["PUBLIC_UPLOAD_BYTES_PER_DAY"]
    today_used = db.session.scalar(select(func.coalesce(func.sum(Upload.size), 0)).where(
        Upload.by_applicant.is_(True), Upload.uploaded_at >= utcnow() - timedelta(days=1))) or 0
    if today_used + size > per_day:
        raise UploadRefused(N_("今日网上上传的文件总量已达上限，请明天再试，或到窗口递交材料。"))


def discard(uploads) -> None:
    """Remove the files of uploads whose transaction was rolled back."""
    for upload in uploads:
        path = path_for(upload)
        if path is not None:
            path.unlink(missing_ok=True)


def path_for(upload: Upload) -> Path | None:
    """The file of an upload, only if its stored name is one we generate (no path from anywhere else)."""
    if not STORED_NAME.match(upload.stored_name or ""):
        return None
    return folder() / upload.stored_name
