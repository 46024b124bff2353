"""Schemes as data: the pydantic model and the line-keeping loader."""
from .loader import SCHEME_IDS, load_all, load_scheme
from .model import Scheme

__all__ = ["SCHEME_IDS", "Scheme", "load_all", "load_scheme"]
