"""Review and decision against the statutory clocks."""
from flask import Blueprint

# Here, not in views.py, so that views.py and station_views.py both add routes to it without importing each other.
bp = Blueprint("review", __name__)
