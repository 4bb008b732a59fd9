"""Command line: `flask users …`, `flask demo seed`, `flask mail send-pending`."""

from __future__ import annotations

import time

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


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(mail_cli)
