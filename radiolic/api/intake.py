"""JSON API: intake."""
from . import bp  # noqa: F401

OPENAPI: dict = {}
