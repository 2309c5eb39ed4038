"""The command line reads as one tool (issue 13): whole summaries, one name per option, paths in
help relative to the project, and --quiet."""

from __future__ import annotations

import click
from click.testing import CliRunner

from dsr_analysis import config
from dsr_analysis.cli import main


def _every_command(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _every_command(command, (*path, name))


def _help(*path: str) -> str:
    result = CliRunner().invoke(main, [*path, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.output


def test_command_lists_give_whole_summaries():
    groups = [()] + [p for p, c in _every_command(main) if isinstance(c, click.Group)]
    for path in groups:
        listed = _help(*path).split("Commands:", 1)[1]
        assert "..." not in listed and "…" not in listed, path


def test_help_shows_no_absolute_path_of_the_checkout():
    for path, _ in _every_command(main):
        text = _help(*path)
        assert str(config.PROJECT_ROOT) not in text and str(config.RESOURCE_ROOT) not in text, path


def test_one_name_for_the_trial_extract_everywhere():
    names = {}
    for path, command in _every_command(main):
        for parameter in command.params:
            for option in getattr(parameter, "opts", []):
                names.setdefault(option, set()).add(" ".join(path))
    assert "--data-dir" not in names
    assert {"tables", "reports", "trial estimates", "trial cells"} <= names["--trial-data"]


def test_quiet_prints_nothing_but_errors(tmp_path):
    quiet = CliRunner().invoke(main, ["--quiet", "template", "--out", str(tmp_path / "t.xlsx")])
    assert quiet.exit_code == 0 and quiet.output == ""
    loud = CliRunner().invoke(main, ["template", "--out", str(tmp_path / "u.xlsx")])
    assert loud.output.strip()
    failing = CliRunner().invoke(main, ["--quiet", "tables", "--data", str(tmp_path / "no.csv"),
                                        "--out", str(tmp_path / "t.csv")])
    assert failing.exit_code == 1 and failing.output.startswith("error: ")
