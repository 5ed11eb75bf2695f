"""The export helper under its old name, for scripts that `import awd_export`
with this folder on sys.path; it lives in awd/export.py (no C++ needed)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from awd.export import SplitError, cut, export, export_features, linear_layers, resolve_layer, split_module  # noqa: E402,F401
