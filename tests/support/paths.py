"""Where the shared test fixtures live (documented examples, pinned wire captures)."""

import os
from pathlib import Path

import fapiao

FIXTURES = Path(__file__).parents[1] / "fixtures"
REPOSITORY = Path(__file__).parents[2]
SOURCE = Path(fapiao.__file__).parents[1]  # the fapiao under test; subprocesses must import this one too


def python_path() -> str:
    """``PYTHONPATH`` for a ``fapiao`` subprocess: the tested sources first, not whatever the virtualenv has
    installed (an editable install of another checkout, say)."""
    entries = [entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry]
    return os.pathsep.join([str(SOURCE), *(entry for entry in entries if entry != str(SOURCE))])
