"""Command line: `flask users …`, `flask demo seed`, `flask mail send-pending`,
`flask backup`, `flask restore`."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.db import db

users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="Demonstration data (never in production).")
mail_cli = AppGroup("mail", help="The outgoing email queue.")


def _site_context():  # noqa: ANN202
    """A request context on the public address, so links in emails are absolute."""
    return current_app.test_request_context(base_url=current_app.config["SITE_URL"])


@users_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", "full_name", prompt="Full name")
@click.password_option()
def create_admin(email: str, full_name: str, password: str) -> None:
    """Create an administrator account (the first one, or another)."""
    from app.auth.passwords import PASSWORD_MESSAGES_EN, password_problem
    from app.auth.services import email_taken
    from app.people.services import create_admin_account

    problem = password_problem(password, email=email, name=full_name)
    if problem:
        raise click.ClickException(PASSWORD_MESSAGES_EN[problem])
    if email_taken(email):
        raise click.ClickException(f"An account with {email} already exists.")
    with _site_context():
        create_admin_account(full_name=full_name, email=email, password=password)
        db.session.commit()
    click.echo(f"Administrator {email} created.")


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
def seed(if_empty: bool) -> None:
    """Fill the database with realistic Vietnamese demonstration data."""
    from app.demo.seed import DemoRefused, existing_logins, print_logins, seed_demo

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("The demo seed never runs in production.")
    with _site_context():
        try:
            logins = seed_demo(only_if_empty=if_empty)
        except DemoRefused as refused:
            click.echo(str(refused))
            if if_empty and (logins := existing_logins()):
                print_logins(logins)
            return
        db.session.commit()
    print_logins(logins)


@mail_cli.command("send-pending")
@click.option("--loop", is_flag=True, help="Keep running, sending every few seconds.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
def send_pending_command(loop: bool, interval: float) -> None:
    """Send the email waiting in the outbox (retrying failures with backoff)."""
    from app.mail.outbox import send_pending

    while True:
        sent, failed = send_pending()
        if sent or failed or not loop:
            click.echo(f"sent {sent}, waiting for retry {failed}")
        db.session.remove()
        if not loop:
            return
        time.sleep(interval)


def _print_counts(counts: dict[str, int]) -> None:
    width = max(map(len, counts), default=0)
    for name, rows in counts.items():
        click.echo(f"  {name:<{width}}  {rows:>9,}")


def _size(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB" if size >= 1_000_000 else f"{size / 1000:,.1f} kB"


@click.command("backup")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--force", is_flag=True, help="Replace an existing file at --output.")
def backup_command(output: Path, force: bool) -> None:
    """Write the database and the uploaded files to one archive (safe while the app runs)."""
    from app import audit
    from app.backup import BackupError, create_backup

    try:
        report = create_backup(
            db.engine, Path(current_app.config["UPLOAD_DIR"]), output, force=force
        )
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    audit.record(
        "backup.created",
        new={"path": str(report.path), "size": report.size, "counts": report.counts},
    )
    db.session.commit()
    click.echo(f"Backup written to {report.path} ({_size(report.size)})")
    click.echo(
        f"  database: {report.engine} at schema revision {report.revision}, "
        f"{_size(report.database_size)}"
    )
    click.echo(f"  uploads: {report.upload_files} files, {_size(report.upload_bytes)}")
    click.echo("Rows per table:")
    _print_counts(report.counts)


@click.command("restore")
@click.option("--input", "input_path", type=click.Path(path_type=Path), required=True)
@click.option("--force", is_flag=True, help="Replace a database that already has accounts.")
@click.option("--yes", is_flag=True, help="With --force: do not ask for confirmation.")
def restore_command(input_path: Path, force: bool, yes: bool) -> None:
    """Restore an archive written by `flask backup` into the configured database (empty,
    unless --force) and the upload folder, then check it."""
    from alembic.script import ScriptDirectory

    from app import audit
    from app.backup import BackupError, database_is_empty, restore_staged, stage_backup

    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    head = ScriptDirectory(current_app.extensions["migrate"].directory).get_current_head()
    upload_dir.mkdir(parents=True, exist_ok=True)
    # Beside the uploads, so that they are moved into place, not copied.
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=upload_dir))
    try:
        staged = stage_backup(input_path, staging, db.engine, head)
        if not database_is_empty(db.engine):
            if not force:
                raise BackupError(
                    "The configured database already has accounts; give --force to "
                    "replace everything in it by the backup."
                )
            if not yes:
                click.confirm(
                    f"Replace everything in {db.engine.url.render_as_string()} by the backup?",
                    abort=True,
                )
        db.session.remove()
        counts = restore_staged(db.engine, staged, upload_dir)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    # Written into the restored database: the log says where its contents came from.
    audit.record(
        "backup.restored",
        new={"path": str(input_path.absolute()), "counts": counts},
    )
    db.session.commit()
    click.echo(f"Restored {input_path} at schema revision {head}.")
    if db.engine.dialect.name == "sqlite":
        click.echo("  SQLite integrity check: ok")
    click.echo("  every table has the rows of the backup")
    click.echo(f"  uploads: {staged.manifest['upload_files']} files")
    click.echo("Rows per table:")
    _print_counts(counts)


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
