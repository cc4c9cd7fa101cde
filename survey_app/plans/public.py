"""stub"""

from flask import Blueprint

bp = Blueprint("heard", __name__)
