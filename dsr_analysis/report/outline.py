"""What a researcher sees of a chapter in JupyterLab besides its page: the level's narrative
and, per indicator, the calls that produce it.

The narrative is the programme theory's (``data/programme_theory/*.yml``): one source for both
languages and both theories, which the pages read too. :func:`outline_markdown` only quotes it
and says where to edit it, so the notebook cell that shows the outline (tagged ``remove-cell``)
changes nothing on the page. :class:`Fragment` is an HTML string a notebook cell renders,
:class:`Markdown` a Markdown one, and :func:`shown_in_notebook` makes a Figure show as an image.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dsr_analysis import config
from dsr_analysis.theory_model import Indicator, Level, ProgrammeTheory


@dataclass(frozen=True)
class Fragment:
    """A piece of a page (HTML) that a notebook cell shows rendered.

    Examples
    --------
    >>> Fragment("<p>x</p>")._repr_html_()
    '<p>x</p>'
    >>> str(Fragment("<p>x</p>"))
    '<p>x</p>'
    >>> Fragment("<p>x</p>")
    <Fragment: 8 characters of HTML>
    """

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        # What a terminal shows: the page's HTML is for the notebook's renderer.
        return f"<Fragment: {len(self.html):,} characters of HTML>"

    def __str__(self) -> str:
        return self.html


@dataclass(frozen=True)
class Markdown:
    """Markdown text that a notebook cell shows rendered (and ``print`` shows as it is).

    Examples
    --------
    >>> Markdown("**x**")._repr_markdown_()
    '**x**'
    """

    text: str

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def shown_in_notebook(fig):
    """``fig``, which a notebook cell then shows as an image.

    The report's charts are matplotlib Figures made without pyplot (so that drawing one never
    switches a session's backend); IPython shows a Figure as an image only once pyplot's
    inline backend has told it how, so tell it here if nothing has (outside a kernel: nothing).

    >>> shown_in_notebook(None) is None
    True
    """
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None and fig is not None:
        from functools import partial

        from IPython.core.pylabtools import print_figure
        from matplotlib.figure import Figure

        formatter = shell.display_formatter.formatters["image/png"]
        try:
            formatter.lookup_by_type(Figure)
        except KeyError:
            formatter.for_type(Figure, partial(print_figure, fmt="png", base64=True))
    return fig


def shown_path(path: Path | str | None) -> str:
    """A theory file's path as a researcher finds it: relative to the folder holding ``data/``
    (the checkout) when inside it.

    >>> shown_path(config.PROGRAMME_THEORY_PATH)
    'data/programme_theory/dsr.yml'
    """
    path = Path(path or config.PROGRAMME_THEORY_PATH).resolve()
    root = config.DATA_DIR.resolve().parent
    if path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return str(path)


def indicator_calls(indicator: Indicator) -> str:
    """The calls that produce one indicator's section, table and figure in a chapter notebook.

    >>> from dsr_analysis.programme_theory import load_programme_theory
    >>> level = load_programme_theory().level("immediate")
    >>> print(indicator_calls(level.indicators[0]))
    chapter.indicator("staff_take_initiative")  # the section as the page shows it
    chapter.table("7-18")  # the unit's published table, a DataFrame
    chapter.figure("staff_take_initiative")  # its figure, a matplotlib Figure
    """
    return "\n".join([
        f'chapter.indicator("{indicator.id}")  # the section as the page shows it',
        f'chapter.table("{indicator.criterion.table}")  # the unit\'s published table, a DataFrame',
        f'chapter.figure("{indicator.id}")  # its figure, a matplotlib Figure',
    ])


def outline_markdown(theory: ProgrammeTheory, level: Level, unit_name: str, lang: str,
                     theory_path: Path | str | None = None) -> str:
    """The level's narrative from the programme theory and, per indicator, its calls.

    Examples
    --------
    >>> from dsr_analysis.programme_theory import load_programme_theory
    >>> theory = load_programme_theory()
    >>> text = outline_markdown(theory, theory.level("immediate"), "Kolding", "en")
    >>> print(text.splitlines()[0])
    # Immediate results – Kolding
    >>> 'chapter.table("7-24")' in text
    True
    """
    where = shown_path(theory_path)
    parts = [
        f"# {level.title.get(lang)} – {unit_name}",
        level.summary.get(lang),
        f"*The narrative comes from `{where}` (level `{level.id}`; Danish and English side "
        "by side): edit it there, then rebuild with `dsr reports`.*",
        "**Expected results**\n\n"
        + "\n".join(f"- {result.get(lang)}" for result in level.expected_results),
    ]
    for element in (*level.efforts, *level.frame_conditions):
        parts.append(f"**{element.title.get(lang)}.** {element.description.get(lang)}")
    for indicator in level.indicators:
        c = indicator.criterion
        parts.append(
            f"## {indicator.title.get(lang)} (`{indicator.id}`, table {c.table})\n\n"
            f"{c.text.get(lang)}\n\n```python\n{indicator_calls(indicator)}\n```"
        )
    return "\n\n".join(parts) + "\n"
