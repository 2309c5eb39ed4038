"""Shared test set-up: lets tests import the small fixture modules beside them."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
