"""placeholder"""

from .expr_parser import ExpressionError


class RegexRefused(ExpressionError):
    """A regular expression outside the dialect both evaluators share."""
