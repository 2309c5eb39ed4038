"""An implementation survey of VIVE's (2023) model for social-professional staff in schools
and daycare: the package's second evaluation design.

One module per stage::

    codebook -> rules -> reader (validated, typed survey) -> clustering (design effects)
        -> measures (shares, means, contrasts) -> tables (published cells, disclosure control)

``synthetic`` makes the bundled synthetic survey; ``cli`` holds the ``dsr survey`` commands. The
design hands on published cells (:mod:`dsr_analysis.cells`) and knows nothing of reports.
"""

from __future__ import annotations


def cli_commands() -> list:
    """The click commands this subpackage adds to ``dsr``: the ``survey`` group.

    >>> [command.name for command in cli_commands()]
    ['survey']
    >>> sorted(cli_commands()[0].commands)
    ['check', 'data', 'tables']
    """
    from dsr_analysis.survey.cli import survey

    return [survey]
