"""dsr-analysis: evaluation of social workers in Danish daycare (DSR).

The data flow is visible in the module names::

    export (raw file) -> validate -> tidy -> measures -> suppression -> tables / chapters -> HTML

Each stage is one module; ``config`` holds every path.
"""

__version__ = "0.1.0"
