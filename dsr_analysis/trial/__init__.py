"""Copenhagen's cluster-randomised trial of social workers in daycare, and its economy.

One module per stage::

    schema (codebook, validation) -> synthetic (calibrated data) -> estimates (statsmodels)
        -> economy -> cells (published KBH tables)

The design ends at its published cells (``cells.published_trial_cells``, which ``dsr reports``
calls by its dotted name); the chapter that prints them is on the report side
(``report/trial_chapter.py``) and reads only the cells and data files.
``coverage`` checks the estimates' intervals on many synthetic trials; ``streams`` holds the
reproducible random numbers; ``cli`` the ``dsr trial`` commands.
"""

from __future__ import annotations


def cli_commands() -> list:
    """Return the click commands this subpackage adds to ``dsr``: the ``trial`` group.

    The main CLI registers each with ``main.add_command``.

    Examples
    --------
    >>> [command.name for command in cli_commands()]
    ['trial']
    >>> sorted(cli_commands()[0].commands)
    ['cells', 'data', 'estimates']
    """
    from dsr_analysis.trial.cli import trial

    return [trial]
