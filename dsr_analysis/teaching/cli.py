"""``dsr teach``: build the lessons' editions and handouts, or check a student's notebook."""

from __future__ import annotations

import sys
from pathlib import Path

import click

# Both import only the standard library and config: `dsr --help` stays fast.
from dsr_analysis.cli_options import FullSummaryGroup, shown_path
from dsr_analysis.teaching.build import DEFAULT_OUT as _DEFAULT_OUT
from dsr_analysis.teaching.source import LESSONS_DIR as _LESSONS

OUT_OPTION = click.option(
    "--out", "out", type=click.Path(path_type=Path, file_okay=False), default=_DEFAULT_OUT,
    show_default=shown_path(_DEFAULT_OUT), help="Folder for student/, teacher/ and handouts/.")
LANG_OPTION = click.option(
    "--lang", "lang", type=click.Choice(["da", "en", "both"]), default="both",
    show_default=True, help="Which language's editions to build.")
LESSONS_OPTION = click.option(
    "--lessons", "lessons", type=click.Path(path_type=Path, file_okay=False),
    default=_LESSONS, show_default=shown_path(_LESSONS),
    help="Folder of the lesson sources (NN_topic.ipynb).")


@click.group(cls=FullSummaryGroup, invoke_without_command=True)
@OUT_OPTION
@LANG_OPTION
@LESSONS_OPTION
@click.pass_context
def teach(ctx: click.Context, out: Path, lang: str, lessons: Path) -> None:
    """Teaching edition: student and teacher notebooks and handouts (default: build)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(build, out=out, lang=lang, lessons=lessons)


@teach.command()
@OUT_OPTION
@LANG_OPTION
@LESSONS_OPTION
def build(out: Path, lang: str, lessons: Path) -> None:
    """Write every lesson's student and teacher editions (da, en) and its handouts."""
    from dsr_analysis.teaching.build import build_all

    langs = ("da", "en") if lang == "both" else (lang,)

    def progress(outcome) -> None:
        for failed_lang, reason in outcome.errors.items():
            click.echo(f"failed {outcome.lesson} ({failed_lang}): {reason}", err=True)
        if outcome.ok:
            click.echo(f"built {outcome.lesson} ({', '.join(langs)})")

    outcomes = build_all(out, langs, lessons, progress)
    if not outcomes:
        click.echo(f"no lessons (NN_topic.ipynb) in {lessons}: nothing to build")
        return
    failed = [o.lesson for o in outcomes if not o.ok]
    built = len(outcomes) - len(failed)
    click.echo(f"wrote {built} of {len(outcomes)} lessons to {out}")
    if failed:
        click.echo(f"error: {len(failed)} lesson(s) failed: {', '.join(failed)}", err=True)
        sys.exit(1)


@teach.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@LESSONS_OPTION
def check(file: Path, lessons: Path) -> None:
    """Check a student's notebook against its lesson's tests, hidden ones included."""
    from dsr_analysis.cli_options import fail
    from dsr_analysis.teaching.check import CheckError, check_notebook

    try:
        results = check_notebook(file, lessons)
    except CheckError as error:
        fail(error)
    for result in results:
        click.echo(str(result))
    passed = sum(r.passed for r in results)
    click.echo(f"{passed} of {len(results)} exercises passed")
    sys.exit(0 if passed == len(results) else 1)
