"""A municipality's organisation of the effort, as the municipalities file records it.

The effort chapter shows, per municipality, its institutions, social workers, their role and
time, and how many children it registered; Copenhagen's set adds its trial's design and costs.
"""

from __future__ import annotations

import pandas as pd

from dsr_analysis.programme_theory import ProgrammeTheory
from dsr_analysis.report.html_tables import html_table
from dsr_analysis.report.text import escape as _e
from dsr_analysis.report.text import format_number, format_value
from dsr_analysis.report.units import Unit


def _words(theory: ProgrammeTheory, lang: str):
    return lambda key: theory.word(key, lang)


def organisation_html(
    unit: Unit, units: list[Unit], cells: pd.DataFrame, theory: ProgrammeTheory, lang: str
) -> str:
    """How the unit's municipality (or each municipality, for "Alle") organised the work."""
    # "Alle" compares the project's municipalities; a trial municipality is not one of them.
    shown = [u for u in units if not u.is_pooled and not u.trial]
    if not unit.is_pooled:
        shown = [unit]
    rows = {u.name: _organisation_row(u, cells, theory, lang) for u in shown}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    w = _words(theory, lang)
    heading = w("organisations" if unit.is_pooled else "organisation")
    parts = [f"<h2>{_e(heading)}</h2>"]
    if not unit.is_pooled:
        key = "description" if lang == "da" else "description_en"
        if unit.facts.get(key):
            parts.append(f"<p>{_e(unit.facts[key])}</p>")
    parts.append(html_table(frame, first_header=w("municipality")))
    if unit.trial:
        parts.append(trial_facts_html(unit, theory, lang))
    return "".join(parts)


def trial_facts_html(unit: Unit, theory: ProgrammeTheory, lang: str) -> str:
    """The trial's design and costs as the sources print them (municipalities file)."""
    facts, w = unit.facts, _words(theory, lang)
    trial = facts.get("trial_details") or {}
    costs = facts.get("costs") or {}
    expansion = facts.get("expansion") or {}

    def value(entry):
        return entry.get("value") if isinstance(entry, dict) else entry

    rows = {}
    if trial:
        rows[w("trial_design")] = w("trial_design_lottery")
        period = trial.get("project_period") or {}
        years = value(trial.get("duration_years"))
        if period.get("start") and period.get("end"):
            text = f"{str(period['start'])[:4]}–{str(period['end'])[:4]}"
            rows[w("trial_period")] = (
                f"{text} ({format_number(years, lang)} {w('years')})" if years else text
            )
        for key in ("institutions", "children_intervention", "children_control"):
            if value(trial.get(key)) is not None:
                rows[w(f"trial_{key}")] = format_number(value(trial[key]), lang)
    if value(costs.get("yearly_cost_mio_dkk")) is not None:
        rows[w("yearly_cost")] = (
            f"{format_number(value(costs['yearly_cost_mio_dkk']), lang)} {w('million_dkk')}"
        )
    for key in ("social_worker_fte", "project_management_and_evaluation_fte"):
        if value(costs.get(key)) is not None:
            rows[w(key)] = format_number(value(costs[key]), lang)
    if value(expansion.get("social_workers_to")) is not None:
        rows[w("expansion")] = w("expansion_text").format(
            start=format_number(value(expansion.get("social_workers_from")), lang),
            end=format_number(value(expansion["social_workers_to"]), lang),
            institutions=format_number(value(expansion.get("institutions")), lang),
        )
    if not rows:
        return ""
    frame = pd.DataFrame({w("value"): list(rows.values())}, index=list(rows))
    note_key = "note" if lang == "en" else "note_da"
    note = costs.get(note_key, "")
    source = trial.get("evaluation", "")
    notes = " ".join(t for t in (note, f"{w('source')}: {source}." if source else "") if t)
    return (
        f"<h2>{_e(w('trial_facts'))}</h2>"
        + html_table(frame, first_header="")
        + (f"<p class='note'>{_e(notes)}</p>" if notes else "")
    )


def _organisation_row(
    unit: Unit, cells: pd.DataFrame, theory: ProgrammeTheory, lang: str
) -> dict[str, str]:
    facts, w = unit.facts, _words(theory, lang)
    institutions = facts.get("institutions") or {}
    names = institutions.get("names") or []
    workers = facts.get("social_workers") or {}
    role = workers.get("role_in_project")
    if lang == "da" and workers.get("function_as_printed"):
        function = workers["function_as_printed"]
    else:
        function = w(f"role_{role}") if role in ("advisory", "authority_and_advisory") else ""
    monitoring = facts.get("monitoring") or {}
    registered = monitoring.get("registered_children")
    if registered is None:
        # The report's Figure 6-1 lost its bars; the published cells carry the count.
        registered = registered_count(cells, unit.name)
    if not unit.monitored:
        registered_text = w("not_monitored")
    else:
        registered_text = "" if registered is None else str(registered)
    return {
        w("institutions"): f"{institutions.get('count', '')}"
        + (f" ({', '.join(names)})" if names else ""),
        w("social_workers"): str(workers.get("count", "")),
        w("function"): function,
        w("time"): _time_text(facts.get("time") or {}, theory, lang),
        w("registered_children"): registered_text,
    }


def registered_count(cells: pd.DataFrame, name: str) -> int | None:
    rows = cells[(cells["table"] == "6-1") & (cells["municipality"] == name)]
    if len(rows) != 1 or bool(rows["suppressed"].iloc[0]) or pd.isna(rows["count"].iloc[0]):
        return None
    return int(rows["count"].iloc[0])


def _time_text(time: dict, theory: ProgrammeTheory, lang: str) -> str:
    w = _words(theory, lang)
    if not time.get("hours"):
        # Copenhagen states its staffing in full-time equivalents, not hours.
        fte = time.get("fte")
        return f"{format_number(fte, lang)} {w('fte')}" if fte else ""
    hours = format_value(float(time["hours"]), "count", lang)
    per = {"week": w("per_week"), "fortnight": w("per_fortnight")}.get(time.get("per"), "")
    scope = {
        "per_institution": w("scope_per_institution"),
        "all_institutions": w("scope_all_institutions"),
    }.get(time.get("scope"), "")
    admin = {"included": w("admin_included"), "in_addition": w("admin_in_addition")}.get(
        time.get("admin_time"), ""
    )
    text = f"{w('about')} {hours} {w('hours')} {per} {scope}".strip()
    return f"{text} ({admin})" if admin else text
