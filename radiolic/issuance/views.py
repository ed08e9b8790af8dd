from flask import Blueprint

bp = Blueprint("issuance", __name__)
