"""The teaching edition: lesson notebooks that teach the library with the bundled data.

One source per lesson (``notebooks/teaching/NN_topic.ipynb``, the format is fixed: Danish and
English Markdown twins tagged ``da``/``en``, shared code, solution cells with nbgrader's
markers, test cells with hidden tests) gives four editions and a handout::

    source -> student edition (da, en): solutions replaced, hidden tests removed, no outputs
           -> teacher edition (da, en): executed with the ``lang`` parameter
                 -> handout (da, en): the teacher edition as one offline HTML page

One module per concern: ``source`` (reading a lesson, its cells and markers), ``kernel``
(the kernel lessons run in), ``editions``, ``handout``, ``check`` (grading a student's
notebook against the hidden tests), ``build`` (every lesson, one failure stopping nothing)
and ``cli`` (the ``dsr teach`` commands). Nothing on the report side imports this package.
"""

from __future__ import annotations


def cli_commands() -> list:
    """The click commands this subpackage adds to ``dsr``: the ``teach`` group.

    >>> [command.name for command in cli_commands()]
    ['teach']
    >>> sorted(cli_commands()[0].commands)
    ['build', 'check']
    """
    from dsr_analysis.teaching.cli import teach

    return [teach]
