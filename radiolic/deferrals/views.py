from flask import Blueprint

bp = Blueprint("deferrals", __name__)
