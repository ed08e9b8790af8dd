"""JSON API: public."""
from . import bp  # noqa: F401

OPENAPI: dict = {}
