"""JSON API: issuance."""
from . import bp  # noqa: F401

OPENAPI: dict = {}
