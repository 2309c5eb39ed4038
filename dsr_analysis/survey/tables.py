"""The survey's published tables VIVE-1 ... VIVE-17 as cells of the cells contract.

=========  ==================================================================================
table      what it shows (staff = pedagogues, teachers and managers)
=========  ==================================================================================
VIVE-1     respondents per role and round (counts)
VIVE-2-15  one item each: shares of its options and of its key row among the staff's valid
           answers per round, and the key row's change (``Ændring``, round 2 minus round 1)
VIVE-16    the key row's share per agreement item among staff, daycare and school, round 2
VIVE-17    mean score (1–5) per agreement item of staff and of social-professional workers,
           round 2, and the difference (``Forskel``, social workers minus staff)
=========  ==================================================================================

Every unit (municipality) and the pooled ``Alle`` get every table. ``label`` and ``column``
hold the Danish words (the programme theory names them); ``label_display`` and
``column_display`` the words in the language asked for. Shares and means carry 95 % intervals
that allow for clustering in institutions (:mod:`dsr_analysis.survey.clustering`).

Disclosure control is the monitoring's engine (:func:`dsr_analysis.disclosure.release.suppress`)
over :func:`suppression_specs`: options add up to n, a key row to its options, municipalities to
``Alle``, VIVE-16's two types to the item's round 2 and VIVE-17's staff n to it; counts and
group sizes of 1 to k-1 are hidden with their complements, a mean over fewer than k is hidden,
and a contrast or interval is hidden with any number it uses. Zeros are shown.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dsr_analysis import config
from dsr_analysis.cells import COLUMNS
from dsr_analysis.disclosure.release import suppress
from dsr_analysis.disclosure.spec import Contrast, TableSpec
from dsr_analysis.errors import DsrError
from dsr_analysis.survey import measures
from dsr_analysis.survey.codebook import SurveyCodebook, default_survey_codebook
from dsr_analysis.survey.reader import read_survey, read_survey_by_municipality

_WHOLE_NUMBERS = {"count": "Int64", "n": "Int64", "denominator": "Int64"}
DISPLAY_COLUMNS = ("label_display", "column_display")
_SCALE_RANGE = (1.0, 5.0)


def _words(codebook: SurveyCodebook, key: str) -> tuple[str, str]:
    return codebook.word(key, "da"), codebook.word(key, "en")


def table_ids(codebook: SurveyCodebook) -> list[str]:
    """Every table id in publication order.

    >>> ids = table_ids(default_survey_codebook())
    >>> ids[:3], ids[-2:], len(ids)
    (['VIVE-1', 'VIVE-2', 'VIVE-3'], ['VIVE-16', 'VIVE-17'], 17)
    """
    tables = codebook.tables
    return [tables["responses"]["id"], *(item.table for item in codebook.items),
            tables["by_type"]["id"], tables["staff_vs_social_workers"]["id"]]


def unsuppressed_cells(survey: pd.DataFrame, codebook: SurveyCodebook | None = None,
                       ) -> pd.DataFrame:
    """Every cell of every table before disclosure control, with the English words beside.

    Besides the contract's columns the frame has ``label_en`` and ``column_en``.
    """
    codebook = codebook or default_survey_codebook()
    data = measures.with_pooled(survey)
    iccs = measures.item_iccs(survey, codebook)
    tables = codebook.tables
    parts = [pd.DataFrame(measures.response_counts(data, codebook))
             .assign(table=tables["responses"]["id"])]
    change = _words(codebook, "change")
    for item in codebook.items:
        cells = measures.item_shares(data, item, codebook, iccs[item.id, "share"], change)
        parts.append(pd.DataFrame(cells).assign(table=item.table))
    parts.append(pd.DataFrame(measures.key_shares_by_type(data, codebook, iccs))
                 .assign(table=tables["by_type"]["id"]))
    columns = {key: _words(codebook, key) for key in ("staff", "social_workers", "difference")}
    parts.append(pd.DataFrame(measures.staff_and_worker_means(data, codebook, iccs, columns))
                 .assign(table=tables["staff_vs_social_workers"]["id"]))
    cells = pd.concat(parts, ignore_index=True)
    synthetic = bool(survey["synthetic"].any()) if "synthetic" in survey else False
    # Every share is of its n, so ``denominator`` stays empty: a copy of n there would show
    # a group size that disclosure control hides (the model blanks only its own nodes).
    cells = cells.assign(denominator=float("nan"), suppressed=False, synthetic=synthetic,
                         published=float("nan"), min_cell=1)
    for column in ("ci_low", "ci_high"):
        cells[column] = cells[column].astype(float)
    return cells[[*COLUMNS, "label_en", "column_en"]]


def suppression_specs(codebook: SurveyCodebook | None = None) -> dict[str, TableSpec]:
    """What disclosure control needs to know of each table: its groups and its arithmetic."""
    codebook = codebook or default_survey_codebook()
    rounds = [r.label_da for r in codebook.rounds]
    last = rounds[-1]
    change = codebook.word("change")
    specs = {codebook.tables["responses"]["id"]: TableSpec(population="respondents",
                                                           n_by_label=True)}
    for item in codebook.items:
        scale = item.scale
        sums = {}
        if not scale.key_is_option:
            sums = {scale.key.label_da: [o.label_da for o in scale.options
                                         if o.code in scale.key_codes]}
        # The options of a valid answer add up to n; the key row to its options.
        specs[item.table] = TableSpec(
            population=f"valid:{item.id}", exclusive=True, sum_rows=sums,
            contrasts=(Contrast("column", change, rounds[0], last),),
        )
    totals = {item.short_da: (item.table, last, item.scale.key.label_da)
              for item in codebook.agreement_items}
    kinds = tuple(kind.label_da for kind in codebook.institution_types)
    specs[codebook.tables["by_type"]["id"]] = TableSpec(
        population="valid-by-type", n_by_label=True, row_totals=totals,
        row_total_columns=kinds,
    )
    staff, workers = codebook.word("staff"), codebook.word("social_workers")
    specs[codebook.tables["staff_vs_social_workers"]["id"]] = TableSpec(
        population="valid-by-group", n_by_label=True, value_range=_SCALE_RANGE,
        contrasts=(Contrast("column", codebook.word("difference"), staff, workers),),
        row_totals=totals, row_total_columns=(staff,),
    )
    return specs


def survey_cells(survey: pd.DataFrame, min_cell: int = config.DEFAULT_MIN_CELL,
                 language: str = "da", codebook: SurveyCodebook | None = None) -> pd.DataFrame:
    """The published cells of a validated survey: hidden numbers blank, words in ``language``.

    ``min_cell=1`` turns suppression off for analysts entitled to see every cell.
    """
    if language not in ("da", "en"):
        raise DsrError(f"language must be 'da' or 'en', got {language!r}")
    codebook = codebook or default_survey_codebook()
    cells = unsuppressed_cells(survey, codebook)
    published = suppress(cells, suppression_specs(codebook), min_cell).assign(min_cell=min_cell)
    english = language == "en"
    published["label_display"] = published["label_en" if english else "label"]
    published["column_display"] = published["column_en" if english else "column"]
    return published[[*COLUMNS, *DISPLAY_COLUMNS]].astype(_WHOLE_NUMBERS)


def report_cells_of_export(path: Path | str, min_cell: int = config.DEFAULT_MIN_CELL,
                           lang: str = "da") -> pd.DataFrame:
    """Validate a survey file and return its published cells (see :func:`survey_cells`).

    Raises
    ------
    dsr_analysis.errors.InputValidationError
        If the file breaks any rule of ``data/vive2023/README.md``.
    """
    return survey_cells(read_survey(path), min_cell, lang)


def release_specs(language: str = "da") -> dict[str, TableSpec]:
    """:func:`suppression_specs` of the bundled codebook, for the audit of a release (named in
    data/report_sets.yml; the specs do not depend on the language)."""
    return suppression_specs()


def report_cells_by_municipality(
    path: Path | str, min_cell: int = config.DEFAULT_MIN_CELL, lang: str = "da"
) -> tuple[pd.DataFrame, dict[str, DsrError]]:
    """The cells of the municipalities whose rows pass, and the errors of the others.

    As :func:`report_cells_of_export`, but a problem confined to one municipality's rows
    leaves out that municipality instead of rejecting the file; "Alle" then pools the others.

    Raises
    ------
    dsr_analysis.errors.InputValidationError
        When a problem concerns the whole file.

    Examples
    --------
    >>> cells, broken = report_cells_by_municipality(config.VIVE2023_SURVEY_PATH)
    >>> sorted(set(cells["municipality"])), broken
    (['Alle', 'Horsens', 'Næstved', 'Viborg'], {})
    """
    survey, broken = read_survey_by_municipality(path)
    return survey_cells(survey, min_cell, lang), broken
