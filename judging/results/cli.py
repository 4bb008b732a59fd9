"""`flask rankings export --round ID --output FILE.xlsx`: the ranking workbook from the shell.

Registered on the app when the judging blueprint is (``bp.record_once``), so the core keeps
importing no feature package and the command still sits at the top level, beside `flask users`.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.db import db
from competitions.models import Round
from judging import bp
from judging.common import JudgingError
from judging.ranking import METHODS
from judging.results.services import OVERALL

rankings_cli = AppGroup("rankings", help="Round rankings.")

ERRORS_EN = {
    "no_rubric": "The round has no rubric yet: add its criteria before ranking.",
    "bad_method": "Unknown ranking method.",
    "no_pool": "This pool is not part of the round.",
    "scores_outside_rubric": (
        "Some scores are above their criterion's maximum (the rubric was changed after "
        "scoring); correct the rubric or those sheets first."
    ),
}


@rankings_cli.command("export")
@click.option("--round", "round_id", type=int, required=True, help="The round's id.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=False, path_type=Path),
    required=True,
    help="Where to write the workbook (.xlsx).",
)
@click.option(
    "--method",
    type=click.Choice(METHODS),
    default=None,
    help="Ranking method (default: the round's own).",
)
@click.option("--pool", "pool_id", type=int, default=None, help="One pool (default: all).")
def export_command(round_id: int, output: Path, method: str | None, pool_id: int | None) -> None:
    """Write a round's ranking workbook: the ranking with a signature block, every judge's
    sheet, judge statistics and what was exported."""
    from judging.results.export import export_round

    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise click.ClickException(f"Round {round_id} does not exist.")
    if output.suffix.lower() != ".xlsx":
        raise click.ClickException(f"{output}: the output file must end in .xlsx.")
    if not output.parent.is_dir():
        raise click.ClickException(f"{output.parent}: no such directory.")
    try:
        content, _name = export_round(
            round_,
            method,
            actor=None,
            destination=str(output.resolve()),
            scope=OVERALL if pool_id is None else str(pool_id),
        )
    except JudgingError as error:
        db.session.rollback()
        raise click.ClickException(ERRORS_EN[error.reason]) from error
    try:
        output.write_bytes(content)
    except OSError as error:
        db.session.rollback()  # no audit row for a file that was never written
        raise click.ClickException(f"Cannot write {output}: {error.strerror}.") from error
    db.session.commit()
    click.echo(
        f"Wrote {output} ({len(content) // 1024} KB): "
        f"round {round_id} «{round_.name}» of «{round_.competition.title}»."
    )


@bp.record_once
def _register(state) -> None:  # noqa: ANN001
    state.app.cli.add_command(rankings_cli)
