"""dsr-analysis: evaluation of social workers in Danish daycare (DSR).

The data flow is visible in the module names::

    export (raw file) -> validate -> tidy -> measures -> suppression -> tables / chapters -> HTML

Each stage is one module; ``config`` holds every path. In a notebook, ``import dsr_analysis as
dsr`` gives the researcher's API (:mod:`dsr_analysis.api`): ``dsr.load``, ``dsr.table``,
``dsr.measure``, ``dsr.figure``, ``dsr.indicator`` and ``dsr.chapter``.
"""

__version__ = "0.3.0"

#: The researcher's API, imported on first use: ``import dsr_analysis`` (and so every ``dsr``
#: command) stays free of pandas, matplotlib and the rest until a name is asked for.
API = ("load", "table", "measure", "figure", "indicator", "chapter")


def __getattr__(name: str):
    if name in API:
        from dsr_analysis import api

        return getattr(api, name)
    raise AttributeError(f"module 'dsr_analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *API])
