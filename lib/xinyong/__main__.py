"""``python -m xinyong``: the same command line as the ``xinyong`` script."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
