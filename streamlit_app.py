"""Descent Lab entry point (Streamlit Community Cloud's default file name)."""

import sys
from pathlib import Path

# Plotly imports pandas lazily on first use; when a class opens the page at once, concurrent
# first reruns race on that half-initialised import (AttributeError: pandas has no 'Series').
# Importing it here, once, before any session runs, removes the race.
import pandas  # noqa: F401

sys.path.insert(0, str(Path(__file__).resolve().parent))

from app.shell import main

main()
