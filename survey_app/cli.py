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
@click.option(
    "--demo",
    is_flag=True,
    help="Also create demo accounts (admin, coordinator, facilitator) and sample records.",
)
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
        from .demo import load_demo_records
        from .records.derived_index import catch_up

        added = load_demo_records(db, find_user(db, "facilitator")["id"])
        catch_up(db)
        if added:
            click.echo(f"Sample records: {added}, so the dashboard has something to show.")
    elif not next(db.query("SELECT 1 FROM users LIMIT 1"), None):
        click.echo("No accounts yet: add one with  survey-app create-user NAME --role admin")


@main.command("index")
def index_command() -> None:
    """Index every record not indexed yet for the dashboard, filters and search, then stop.

    The server does this in the background; this is for a database filled offline (an
    import, a restore) or to see how long a backlog takes. Short write transactions:
    phones can keep syncing meanwhile.
    """
    import time

    from .records.derived_index import catch_up, pending_count

    app, db = _db()
    waiting = pending_count(db)
    started = time.monotonic()
    done = catch_up(db)
    click.echo(f"{done} records indexed in {time.monotonic() - started:.1f} s ({waiting} were waiting).")


def _audit(db, action: str, target: str, **details) -> None:
    """An audit entry for a command: no account acts, the operating-system user is noted."""
    import getpass

    from . import audit
    from .db import write_transaction

    with write_transaction(db):
        audit.record(db, action, None, target, via="cli", os_user=getpass.getuser(), **details)


@main.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "coordinator", "facilitator"]), required=True)
def create_user_command(username: str, role: str) -> None:
    """Add an account; the password is read from a prompt, or from stdin if piped.

    Passwords need 8 characters or more, and common ones (12345678, password1...) and ones
    containing the username are refused.
    """
    from .auth.users import UserError, create_user

    _, db = _db()
    try:
        user = create_user(db, username, _read_password("Password"), role)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    _audit(db, "user_created", user.username, role=user.role)
    click.echo(f"Created {user.username} ({user.role}).")


@main.command("create-token")
@click.argument("username")
@click.option("--name", default="cli", help="What the token is for (shown in lists).")
@click.option("--expires-days", type=click.IntRange(min=1), default=None, help="Days until it stops working.")
def create_token_command(username: str, name: str, expires_days: int | None) -> None:
    """Print a new API token for USERNAME, once; only its hash is stored."""
    from .auth.tokens import issue_token
    from .auth.users import find_user

    _, db = _db()
    user = find_user(db, username)
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    token_id, token = issue_token(db, user["id"], name, expires_days)
    _audit(db, "token_created", user["username"], token_id=token_id, name=name, expires_days=expires_days)
    click.echo(token)


@main.group()
def tokens() -> None:
    """List and revoke API tokens."""


@tokens.command("list")
@click.argument("username", required=False)
def tokens_list(username: str | None) -> None:
    """List API tokens (of USERNAME, if given): id, user, name, dates and state."""
    from .auth.tokens import list_tokens
    from .auth.users import find_user

    _, db = _db()
    user_id = None
    if username:
        user = find_user(db, username)
        if user is None:
            raise click.ClickException(f"No user {username!r}.")
        user_id = user["id"]
    rows = list_tokens(db, user_id)
    if not rows:
        click.echo("No tokens.")
    for row in rows:
        click.echo(
            f"{row['id']}\t{row['username']}\t{row['name']}\t{row['state']}\tcreated {row['created_at'][:10]}"
            f"\texpires {(row['expires_at'] or 'never')[:10]}\tlast used {(row['last_used_at'] or '-')[:10]}"
        )


@tokens.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke the token with this id (from `tokens list`); it stops working at once."""
    from .auth.tokens import TokenError, revoke_token

    _, db = _db()
    try:
        row = revoke_token(db, token_id)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    _audit(db, "token_revoked", row["username"], token_id=token_id)
    click.echo(f"Revoked token {token_id} of {row['username']}.")


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
    from .paths import GUNICORN_CONFIG as config

    # Run gunicorn from this interpreter: the venv's bin/ need not be on PATH.
    args = [sys.executable, "-m", "gunicorn", "-c", str(config), "--bind", f"{host}:{port}"]
    if workers:
        args += ["--workers", str(workers)]
    click.echo(f"Serving on http://{host}:{port}/  (database {app.config['DATABASE']})")
    if app.config["BASE_URL"]:  # behind a proxy: the address phones and printed links use
        click.echo(f"Public URL: {app.config['BASE_URL'].rstrip('/')}/")
    if app.config["TRUSTED_PROXIES"]:
        click.echo(f"Trusting X-Forwarded-For/-Proto from {app.config['TRUSTED_PROXIES']} proxy(ies)")
    sys.stdout.flush()
    os.execvp(args[0], [*args, "survey_app.wsgi:app"])


@main.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Copy the live database to PATH (consistent while phones sync), then integrity-check it."""
    from .backup import BackupError, backup

    app = create_app()
    try:
        copied = backup(app.config["DATABASE"], path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    from .attachments.storage import files_root
    from .backup_files import copy_files, files_folder
    from .doctor import note_backup

    # The files the copy names, from the attachments folder into PATH.files/, verified.
    files = copy_files(copied.path, files_root(app.config), files_folder(copied.path))
    note_backup(app.config["DATABASE"], copied.path, copied.submissions)  # for survey-app doctor
    click.echo(
        f"Backed up {app.config['DATABASE']} to {copied.path}: {copied.submissions} submissions,"
        f" {copied.bytes / 1e6:.1f} MB, integrity ok, {copied.seconds:.1f} s."
    )
    _report_files("Files in " + str(files.folder), files)


def _report_files(what: str, files) -> None:
    """The files' summary; each problem on stderr and exit 1 (the rest was copied)."""
    click.echo(
        f"{what}: {files.copied} copied ({files.bytes / 1e6:.1f} MB), {files.kept} already there,"
        " each verified by SHA-256."
    )
    for problem in files.problems:
        click.echo(f"PROBLEM  file {problem}", err=True)
    if files.problems:
        raise click.ClickException(f"{len(files.problems)} file(s) could not be copied (see above).")


@main.command("doctor")
def doctor_command() -> None:
    """Check the deployment (secret, TLS, disk, SQLite, backups, rate limits); exit 1 on a problem."""
    from .doctor import run_checks

    app = create_app()
    findings = run_checks(app.config, Path(app.instance_path))
    for finding in findings:
        if finding.ok and finding.fix:  # worth knowing, nothing to do today
            click.echo(f"note     {finding.what}")
            click.echo(f"  later: {finding.fix}")
        elif finding.ok:
            click.echo(f"ok       {finding.what}")
        else:
            click.echo(f"PROBLEM  {finding.what}")
            click.echo(f"  fix:   {finding.fix}")
    problems = sum(not f.ok for f in findings)
    click.echo(f"{problems} problem(s)." if problems else "No problems found.")
    if problems:
        sys.exit(1)


@main.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds data (a copy of it is kept).")
def restore_command(path: Path, force: bool) -> None:
    """Restore the database from the backup PATH, then apply pending migrations."""
    from .attachments.storage import files_root
    from .backup import BackupError, check, restore
    from .backup_files import copy_files, files_folder
    from .db import connect
    from .migrate import migrate as run_migrations

    app = create_app()
    try:
        check(path)
        # Files first (into the attachments folder, verified), then the records that name them.
        files = copy_files(path, files_folder(path), files_root(app.config))
        restored, kept = restore(path, app.config["DATABASE"], force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if kept:
        click.echo(f"The database it replaced is kept as {kept}")
    db = connect(app.config["DATABASE"])
    try:
        applied = run_migrations(db)
    finally:
        db.close()
    click.echo(f"Restored {path} to {restored.path}: {restored.submissions} submissions, integrity ok.")
    click.echo("Migrations applied: " + (", ".join(applied) if applied else "none (the backup was current)"))
    _report_files("Files restored into " + str(files_root(app.config)), files)


@main.command("purge-uploads")
@click.option(
    "--hours", type=click.FloatRange(min=1), default=None, help="Idle hours (default: UPLOAD_ABANDON_HOURS)."
)
def purge_uploads_command(hours: float | None) -> None:
    """Delete uploads never finished and idle for HOURS (stored files are never touched)."""
    from .attachments.cleanup import purge_abandoned
    from .attachments.storage import FileStore, files_root
    from .db import connect

    app = create_app()
    hours = hours if hours is not None else app.config["UPLOAD_ABANDON_HOURS"]
    db = connect(app.config["DATABASE"])
    try:
        purged = purge_abandoned(db, FileStore(files_root(app.config)), hours)
    finally:
        db.close()
    click.echo(
        f"Deleted {purged.uploads} unfinished uploads idle for over {hours:g} h ({purged.bytes} bytes)."
    )


@main.command("create-link")
@click.argument("survey")
@click.option("--label", required=True, help='Who the link is for, e.g. "Likoni women\'s group, March".')
@click.option(
    "--expires",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day the link works (YYYY-MM-DD, until the end of that day UTC).",
)
@click.option(
    "--max", "max_submissions", type=click.IntRange(min=1), default=None, help="Most answers it takes."
)
@click.option(
    "--base-url",
    default=None,
    help="Public address of the app (default: SURVEY_APP_BASE_URL, else http://127.0.0.1:8000).",
)
def create_link_command(survey, label, expires, max_submissions, base_url) -> None:
    """Create a public feedback link for SURVEY and print its full URL."""
    from .links.model import LinkError, create_link

    app, db = _db()
    base = base_url or app.config.get("BASE_URL")
    if not base:
        base = "http://127.0.0.1:8000"
        click.echo(f"Note: no base URL set; using {base} (set SURVEY_APP_BASE_URL).", err=True)
    try:
        link = create_link(
            db,
            survey,
            label,
            None,
            expires_on=expires.date() if expires else None,
            max_submissions=max_submissions,
        )
    except LinkError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(base.rstrip("/") + "/p/" + link.token)


@main.command("import-xlsform")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Only check the form; publish nothing.")
@click.option(
    "--attach",
    "attach",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A form attachment (CSV, XML, GeoJSON or media file the form names); repeat for each.",
)
def import_xlsform_command(file: Path, check: bool, attach: tuple[Path, ...]) -> None:
    """Import an XLSForm (.xlsx) and publish it as a new version of its survey (form_id).

    The form is read as pyxform reads it; only what cannot work here is refused, with one
    line per sheet, row and column; pyxform's own warnings and a warning for each missing
    attachment are printed too. Exits with status 1 when refused.
    """
    from .attachments.storage import files_root
    from .xlsform import XLSFormRefused, check_xlsform, import_xlsform

    app, db = _db()
    data = file.read_bytes()
    files = {path.name: path.read_bytes() for path in attach}
    try:
        if check:
            result = check_xlsform(data, file.name, files)
        else:
            result = import_xlsform(db, data, file.name, attachments=files, files_root=files_root(app.config))
    except XLSFormRefused as exc:
        result = exc.result
    for warning in result.pyxform_warnings:
        click.echo(f"pyxform warning: {warning}", err=True)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    if not result.ok:
        for error in result.errors:
            click.echo(f"refused: {error}", err=True)
        raise click.ClickException(f"{file.name} was not imported ({len(result.errors)} problem(s)).")
    definition = result.definition
    if check:
        click.echo(f"{file.name} can be imported as {definition['id']} v{definition['version']}.")
    elif result.created:
        click.echo(f"Published {definition['id']} v{definition['version']}.")
    else:
        click.echo(f"{definition['id']} v{definition['version']} was already published (no change).")


def _export_filter_options(command):
    """One ``--name`` option per shared filter (``received_from`` becomes ``--received-from``)."""
    from .records.filters import FILTER_NAMES

    for name in reversed(FILTER_NAMES):
        flag = "--" + name.replace("_", "-")
        command = click.option(flag, name, default=None, help=f"Filter: {name} (as in the API).")(command)
    return command


@main.command("export")
@click.argument("survey")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "json", "ndjson", "geojson", "sav", "dta", "zip", "media"]),
    default="csv",
    show_default=True,
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write ('-' for standard output, text formats only).",
)
@click.option(
    "--labels",
    is_flag=True,
    help="Labels instead of codes: question labels as headers, choice labels as cells.",
)
@click.option("--lang", default=None, help="Language of the labels (default: the survey's).")
@click.option("--as", "username", default=None, help="Account recorded in the audit log as exporting.")
@click.option(
    "--deidentify",
    is_flag=True,
    help="Drop free text, pseudonymise ids and accounts, keep only the month of dates.",
)
@click.option("--keep", default=None, help="With --deidentify: free-text questions to keep (name,name).")
@_export_filter_options
def export_command(survey, fmt, output, labels, lang, username, deidentify, keep, **filters) -> None:
    """Export SURVEY's submissions offline, filtered like the API; written to the audit log."""
    import getpass

    from .attachments.storage import files_root
    from .auth.users import find_user
    from .errors import AppError
    from .exports.service import audit_export, prepare

    app, db = _db()
    args = {k: v for k, v in filters.items() if v is not None}
    if labels:
        args["labels"] = "1"
    if lang:
        args["lang"] = lang
    if deidentify:
        args["deidentify"] = "1"
    if keep:
        args["keep"] = keep
    actor = None
    if username:
        user = find_user(db, username)
        if user is None:
            raise click.ClickException(f"No user {username!r}.")
        actor = user["id"]
    if fmt in ("xlsx", "sav", "dta", "zip", "media") and str(output) == "-":
        raise click.ClickException(f"{fmt.upper()} is binary: give a file with --output.")
    try:
        export = prepare(
            db,
            app.config["DATABASE"],
            survey,
            fmt,
            args,
            app.config["BUSY_TIMEOUT_MS"],
            files_root=files_root(app.config),
        )
    except AppError as exc:
        details = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
        raise click.ClickException(exc.message + (f" ({details})" if details else "")) from exc
    try:
        audit_export(db, actor, export, via="cli", os_user=getpass.getuser())
        stream = sys.stdout.buffer if str(output) == "-" else open(output, "wb")  # noqa: SIM115
        try:
            for chunk in export.chunks():
                stream.write(chunk)
        finally:
            if stream is not sys.stdout.buffer:
                stream.close()
    finally:
        export.close()
    if str(output) != "-":
        click.echo(f"{export.count} records of {survey} written to {output} ({fmt}).", err=True)


@main.command("publish-heard")
@click.argument("survey")
@click.option(
    "--area", default=None, help="Publish the page of one area (a choice of the survey's area list)."
)
@click.option(
    "--threshold", type=click.IntRange(min=2), default=None, help="Smallest count shown (default: setting)."
)
def publish_heard_command(survey: str, area: str | None, threshold: int | None) -> None:
    """Publish SURVEY's "What we heard, what we are doing" page (aggregates only)."""
    from .errors import AppError
    from .plans.heard import publish

    app, db = _db()
    try:
        page_id = publish(db, survey, area, threshold or app.config["HEARD_THRESHOLD"], None)
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    path = f"/heard/{survey}" + (f"/{area}" if area else "")
    click.echo(f"Published page {page_id}: {path}")


if __name__ == "__main__":
    main()
