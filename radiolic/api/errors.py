"""The JSON error format of api.md: never HTML, never a 500 for bad input."""
from flask import jsonify

from ..workflow import WorkflowError

STATUS_FOR = {"refused": 422, "conflict": 409, "forbidden": 403, "not_found": 404, "invalid": 422}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def api_error(status: int, code: str, message: str, fields: dict | None = None):
    return jsonify({"error": {"code": code, "message": message, "fields": fields or {}}}), status


def from_workflow(err: WorkflowError):
    fields = {err.field: err.message} if err.field else {}
    return api_error(STATUS_FOR.get(err.code, 422), err.code, err.message, fields)
