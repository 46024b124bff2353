"""xinyong (信用): reproducible assessment of social credit system construction schemes."""
from .errors import InputError, SchemeError, XinyongError
from .scheme import SCHEME_IDS, load_scheme
from .scoring import ScoreResult, score

__version__ = "0.1.0"
__all__ = ["load_scheme", "score", "ScoreResult", "SCHEME_IDS", "XinyongError", "SchemeError", "InputError", "__version__"]
