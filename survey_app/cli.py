"""The ``survey-app`` command: set up the database, manage accounts, serve the app."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import create_app

DEMO_ACCOUNTS = (("admin", "admin"), ("coordinator", "coordinator"), ("facilitator", "facilitator"))
DEMO_PASSWORD = "listen-demo-2026"


def _db():
    """Open the configured database outside a request (CLI work)."""
    from .db import connect

    app = create_app()
    return app, connect(app.config["DATABASE"])


def _read_password(prompt: str) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)


@click.group(help=__doc__)
@click.version_option(package_name="survey-app")
def main() -> None:
    pass


@main.command()
def migrate() -> None:
    """Apply pending database migrations (safe to run at every start)."""
    from .migrate import migrate as run_migrations

    app, db = _db()
    applied = run_migrations(db)
    click.echo(f"Database: {app.config['DATABASE']}")
    click.echo("Applied: " + (", ".join(applied) if applied else "nothing (up to date)"))


@main.command()
@click.option("--demo", is_flag=True, help="Also create demo accounts (admin, coordinator, facilitator).")
def init(demo: bool) -> None:
    """Create the database, publish the built-in surveys and (with --demo) demo accounts."""
    from .auth.users import create_user, find_user
    from .migrate import migrate as run_migrations
    from .surveys.registry import install_builtins

    app, db = _db()
    run_migrations(db)
    installed = install_builtins(db)
    click.echo(f"Database: {app.config['DATABASE']}")
    click.echo("Built-in surveys: " + (", ".join(installed) if installed else "already published"))
    if demo:
        for username, role in DEMO_ACCOUNTS:
            if not find_user(db, username):
                create_user(db, username, DEMO_PASSWORD, role)
        click.echo(f"Demo accounts: admin, coordinator, facilitator; password {DEMO_PASSWORD}")
    elif not next(db.query("SELECT 1 FROM users LIMIT 1"), None):
        click.echo("No accounts yet: add one with  survey-app create-user NAME --role admin")


@main.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "coordinator", "facilitator"]), required=True)
def create_user_command(username: str, role: str) -> None:
    """Add an account; the password is read from a prompt, or from stdin if piped."""
    from .auth.users import UserError, create_user

    _, db = _db()
    try:
        user = create_user(db, username, _read_password("Password"), role)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.username} ({user.role}).")


@main.command("create-token")
@click.argument("username")
@click.option("--name", default="cli", help="What the token is for (shown in lists).")
def create_token_command(username: str, name: str) -> None:
    """Print a new API token for USERNAME, once; only its hash is stored."""
    from .auth.tokens import create_token
    from .auth.users import find_user

    _, db = _db()
    user = find_user(db, username)
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    click.echo(create_token(db, user["id"], name))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=None, type=int, help="Worker processes (default from deploy config).")
def serve(host: str, port: int, workers: int | None) -> None:
    """Migrate once, then run the app under gunicorn with deploy/gunicorn.conf.py."""
    from .migrate import migrate as run_migrations

    app, db = _db()
    run_migrations(db)
    db.close()  # no connection may be open when gunicorn forks
    config = Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"
    # Run gunicorn from this interpreter: the venv's bin/ need not be on PATH.
    args = [sys.executable, "-m", "gunicorn", "-c", str(config), "--bind", f"{host}:{port}"]
    if workers:
        args += ["--workers", str(workers)]
    click.echo(f"Serving on http://{host}:{port}/  (database {app.config['DATABASE']})")
    sys.stdout.flush()
    os.execvp(args[0], [*args, "survey_app.wsgi:app"])


if __name__ == "__main__":
    main()
