"""Ranking and trust pages per pool and overall, and the ranking export."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from werkzeug.wrappers import Response

from app.access import object_check
from app.db import rollback_request
from app.downloads import xlsx_download
from judging import bp
from judging.common import JudgingError, managed_round, me
from judging.results import (
    cli,  # noqa: F401  (registers `flask rankings`)
    messages,
)
from judging.results.export import export_round
from judging.results.forms import ExportForm, ScopeForm
from judging.results.loading import load_round
from judging.results.services import (
    MIN_ENTRIES_FOR_AGREEMENT,
    NOTABLE_LENIENCY,
    OVERALL,
    rank_round,
    trust_report,
)


def number_formatter() -> Callable[..., str]:
    """`fixed(value, places=2)`: exactly `places` decimals in the reader's style (1.234,50 in
    Vietnamese). Python's formatting with the locale's symbols swapped in, looked up once: a
    page of 2,000 entries shows some 20,000 numbers, and Babel's per-call pattern formatting
    would cost more than the ranking itself."""
    locale = get_locale()
    decimal, group = get_decimal_symbol(locale), get_group_symbol(locale)
    plain = (decimal, group) == (".", ",")

    def fixed(value: Decimal | float | None, places: int = 2) -> str:
        if value is None:
            return "—"
        text = f"{value:,.{places}f}"
        if plain:
            return text
        return text.replace(",", "\0").replace(".", decimal).replace("\0", group)

    return fixed


def _common(round_) -> dict:  # noqa: ANN001
    return {
        "round": round_,
        "competition": round_.competition,
        "fixed": number_formatter(),
        "method_labels": messages.METHOD_LABELS,
        "flag_labels": messages.FLAG_LABELS,
        "flag_badges": messages.FLAG_BADGES,
    }


@bp.route("/rounds/<int:round_id>/ranking")
@object_check
def ranking(round_id: int) -> str:
    round_ = managed_round(round_id)
    data = load_round(round_id)
    form = ScopeForm(request.args)
    scope, method = form.prepare(data)
    ranking = rank_round(round_id, method, data=data)
    error = shown = None
    base_ranks: dict[int, int | None] = {}
    try:
        shown = ranking.scope(scope)
        if shown is not None and not ranking.is_default_method:
            base = rank_round(round_id, data=data).scope(scope)
            base_ranks = {row.entry.id: row.rank for row in base.rows}
    except JudgingError as refused:
        error = messages.error_message(refused.reason)
    return render_template(
        "judging/results/ranking.html",
        **_common(round_),
        data=data,
        form=form,
        ranking=ranking,
        shown=shown,
        base_ranks=base_ranks,
        error=error,
        legend=messages.flag_legend(data),
        method_text=messages.method_explanation(method),
        tie_break_steps=messages.tie_break_explanation(data),
        export_form=ExportForm(formdata=None, prefix="export", method=method, pool=scope),
        overall=scope == OVERALL,
    )


@bp.route("/rounds/<int:round_id>/ranking/export", methods=["POST"])
@object_check
def ranking_export(round_id: int) -> Response:
    """The workbook as a download. A POST: it writes the audit row, and on SQLite a write
    transaction takes its lock at the start instead of failing at the end of a long export."""
    round_ = managed_round(round_id)
    form = ExportForm(prefix="export")
    if not form.validate_on_submit():
        flash(messages.error_message("bad_method"), "danger")
        return redirect(url_for("judging.ranking", round_id=round_id))
    try:
        content, name = export_round(
            round_,
            form.method.data or None,
            actor=me(),
            destination="download",
            scope=form.pool.data or OVERALL,
        )
    except JudgingError as refused:
        rollback_request()
        flash(messages.error_message(refused.reason), "danger")
        return redirect(url_for("judging.ranking", round_id=round_id))
    return xlsx_download(content, name)


@bp.route("/rounds/<int:round_id>/trust")
@object_check
def trust(round_id: int) -> str:
    round_ = managed_round(round_id)
    data = load_round(round_id)
    form = ScopeForm(request.args)
    scope, _method = form.prepare(data, with_overall=False)
    ranking = rank_round(round_id, data=data)
    pool_id = int(scope) if scope.isdigit() else None
    report = error = None
    try:
        report = trust_report(ranking, stability_of=pool_id)
    except JudgingError as refused:
        error = messages.error_message(refused.reason)
    stability = report.stability.get(pool_id, []) if report else []
    return render_template(
        "judging/results/trust.html",
        **_common(round_),
        data=data,
        form=form,
        report=report,
        error=error,
        stability=stability,
        uncertain=sum(1 for s in stability if s.rank is not None and not s.survives),
        leniency_reading=messages.leniency_reading,
        icc_bands=messages.ICC_BANDS,
        icc_badges=messages.ICC_BAND_BADGES,
        w_bands=messages.W_BANDS,
        method_label=messages.METHOD_LABELS[ranking.method],
        notable=NOTABLE_LENIENCY,
        min_entries=MIN_ENTRIES_FOR_AGREEMENT,
    )
