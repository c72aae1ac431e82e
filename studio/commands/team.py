"""`heritage-studio team …`: the database side of a team project (docs/TEAM.md).

IT runs `init` and `add-person` with a PostgreSQL superuser URL (the password
from PGPASSWORD or ~/.pgpass, never in the URL). `set-role` and `show` work
either with that URL or, for a studio admin, through their own team project
(--project), where the server itself checks that they are an admin.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from sqlmodel import Session, select

from studio import team_roles, users
from studio.commands import acting_user, open_project, table
from studio.errors import StudioError
from studio.models import User

PASSWORD_ENV = "HERITAGE_STUDIO_NEW_PASSWORD"
URL_HELP = "a superuser's URL, e.g. postgresql+psycopg://postgres@db.museum.local:5432/bronzes (no password in it)"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("team", help="a team project on PostgreSQL: the database, its people and their roles")
    s = p.add_subparsers(dest="action", required=True)

    a = s.add_parser("init", help="create (or bring up to date) the team database, its roles and its schema")
    a.add_argument("url", help=URL_HELP)
    a.set_defaults(func=cmd_init)

    a = s.add_parser(
        "add-person",
        help=f"create a person's database login and add them to the project; the password is asked on the "
        f"terminal, read from standard input, or taken from ${PASSWORD_ENV}",
    )
    a.add_argument("name", help="their login name: letters, digits and _, e.g. lin_wei or Priya")
    a.add_argument("--role", required=True, choices=users.ROLES)
    a.add_argument("--admin", action="store_true", help="may change people's roles and policy settings")
    a.add_argument("--url", required=True, help=URL_HELP)
    a.set_defaults(func=cmd_add_person)

    a = s.add_parser("set-role", help="change a person's role or admin flag (audited by the server)")
    a.add_argument("name")
    a.add_argument("--role", choices=users.ROLES)
    a.add_argument("--admin", action=argparse.BooleanOptionalAction, default=None)
    a.add_argument("--url", help=URL_HELP + "; without it, through --project as the admin you are connected as")
    a.set_defaults(func=cmd_set_role)

    a = s.add_parser(
        "join", help="make this workstation's project folder for a team database (team.json; no password in it)"
    )
    a.add_argument("folder", help="a new, empty folder, e.g. ~/Bronzes.studio")
    a.add_argument(
        "--url", required=True, help="your own login's URL: postgresql+psycopg://lin@db.museum.local/bronzes"
    )
    a.add_argument("--media", help="the team's shared media folder, as mounted on this workstation")
    a.add_argument("--evidence", help="the team's shared evidence folder (signing key and audit anchor)")
    a.set_defaults(func=cmd_join)

    a = s.add_parser("show", help="the people, their studio roles and their database groups")
    a.add_argument("--url", help=URL_HELP + "; without it, through --project")
    a.set_defaults(func=cmd_show)

    a = s.add_parser(
        "move",
        help="copy a project from SQLite to PostgreSQL or back (same ids, media and audit chain), "
        "then run check on both sides",
    )
    a.add_argument("source", help="the project folder to move (either kind; it is left as it is)")
    a.add_argument("destination", help="a new, empty folder for the moved project")
    a.add_argument(
        "--database",
        metavar="URL",
        help="move into this PostgreSQL database (a superuser's URL, as for team init; it must be empty); "
        "without it, into a SQLite project",
    )
    a.add_argument("--media", metavar="FOLDER", help="the team's shared media folder (default: the project folder's)")
    a.set_defaults(func=cmd_move)


def cmd_init(args: argparse.Namespace) -> int:
    from studio.migrations import postgres as pg_migrations

    created = team_roles.create_database(args.url)
    engine = team_roles.admin_engine(args.url)
    try:
        applied = pg_migrations.migrate(engine)
        # Again after every step: a table a later step made gets its owner and grants too.
        team_roles.apply_privileges(engine)
    finally:
        engine.dispose()
    database = engine.url.database
    print(f"{'created' if created else 'found'} database {database}")
    print(f"schema: {'applied steps ' + ', '.join(map(str, applied)) if applied else 'already up to date'}")
    print(
        "roles: heritage_owner (owns the tables), heritage_curator, heritage_editor, heritage_producer, heritage_admin"
    )
    print(f"next: heritage-studio team add-person NAME --role editor --admin --url {args.url}")
    return 0


def _new_password(name: str) -> str:
    value = os.environ.get(PASSWORD_ENV)
    if value is not None:
        return value
    if sys.stdin is None:
        raise StudioError(f"no password: type it on a terminal, pipe it on standard input, or set ${PASSWORD_ENV}")
    if not sys.stdin.isatty():
        # A script pipes it (e.g. from a password manager): one line, never an argument.
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"database password for {name}: ")
    if getpass.getpass("again: ") != first:
        raise StudioError("the two passwords differ; nothing changed")
    return first


def cmd_add_person(args: argparse.Namespace) -> int:
    name = team_roles.check_name(args.name)  # before asking for a password
    password = _new_password(name)
    engine = team_roles.admin_engine(args.url)
    try:
        created = team_roles.create_login(engine, name, password)
        with Session(engine, expire_on_commit=False) as s:
            known = s.exec(select(User).where(User.name == name)).first()
            if known is None:
                team_roles.enrol(s, name, args.role, args.admin)
            else:
                linked = next((p for p in team_roles.people(s.connection()) if p.name == name), None)
                if linked is None or not linked.consistent:
                    # A person already in the project (moved from SQLite, or whose login was
                    # dropped): their login joins the groups the project says they are in.
                    team_roles.set_role(s, name, known.role, known.admin)
            s.commit()
    finally:
        engine.dispose()
    if known is not None:
        # Again for an existing person: a new password; their role changes only by set-role (audited).
        print(f"{name} ({users.describe(known)}) has a login with a new password; change a role with: team set-role")
        return 0
    role = f"{args.role}, admin" if args.admin else args.role
    print(f"{'created login' if created else 'used the existing login'} {name}; added {name} ({role})")
    return 0


def cmd_set_role(args: argparse.Namespace) -> int:
    if args.role is None and args.admin is None:
        raise StudioError("nothing to change: pass --role ROLE, --admin or --no-admin")
    if args.url:
        engine = team_roles.admin_engine(args.url)
        try:
            with Session(engine, expire_on_commit=False) as s:
                team_roles.set_role(s, args.name, args.role, args.admin)
                s.commit()
                person = users.get_user(s, args.name)
                print(f"{person.name} is now {users.describe(person)}")
        finally:
            engine.dispose()
        return 0
    with open_project(args) as project:
        by = acting_user(project, args, "people")
        with project.session() as s:
            person = users.change_role(s, args.name, by, role=args.role, admin=args.admin)
            print(f"{person.name} is now {users.describe(person)}")
    return 0


def cmd_join(args: argparse.Namespace) -> int:
    from studio.project import Project

    team_roles.libpq_url(args.url)  # refuses a password in the URL before anything is written
    project = Project.create_team(args.folder, args.url, media=args.media, evidence=args.evidence)
    with project, project.read() as s:
        login = team_roles.login(s)
        person = users.get_user(s, login) if team_roles.gated(s) else None
    who = f"{person.name} ({users.describe(person)})" if person else f"{login} (a superuser: outside the gate)"
    print(f"joined: {project.root} works on the team database as {who}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    if args.url:
        engine = team_roles.admin_engine(args.url)
        try:
            with engine.connect() as conn:
                found = team_roles.people(conn)
        finally:
            engine.dispose()
    else:
        with open_project(args) as project, project.read() as s:
            if not team_roles.is_postgres(s):
                raise StudioError("this is a single-user project (SQLite): its people are listed by: user list")
            found = team_roles.people(s.connection())
    rows = [
        [
            p.name,
            p.role,
            "yes" if p.admin else "",
            ", ".join(p.groups) or "-",
            "yes" if p.can_login else "NO",
            "" if p.consistent else "DIFFERS: fix with team set-role",
        ]
        for p in found
    ]
    print(table(rows, ["name", "role", "admin", "database groups", "login", "check"]) if rows else "no people yet")
    return 0


def cmd_move(args: argparse.Namespace) -> int:
    from studio.moving import move_project

    report = move_project(
        args.source,
        args.destination,
        database_url=args.database,
        media=args.media,
        progress=lambda line: print(line, file=sys.stderr),
    )
    print(
        f"moved {sum(report.rows.values())} row(s) in {len(report.rows)} table(s) and {report.blobs} media file(s) "
        f"({report.blob_bytes / (1 << 20):.1f} MB)"
    )
    print(f"  from {report.source}")
    print(f"  to   {report.destination}")
    for side, problems in (("source", report.source_problems), ("destination", report.destination_problems)):
        if problems:
            print(f"check of the {side}: FAILED, {len(problems)} problem(s)")
            for problem in problems:
                print(f"  {problem}")
        else:
            print(f"check of the {side}: ok (database, audit log and anchor, reviews, revisions and media)")
    _next_for_people(report.people, args.database)
    return 0 if report.ok else 1


def _next_for_people(people: list[tuple[str, str, bool]], url: str | None) -> None:
    """A project moved into PostgreSQL: each person needs a login of their own name, in their role's groups."""
    if not people:
        return
    print("next: give each person a database login of the same name and their role's groups:")
    for name, role, admin in people:
        try:
            team_roles.check_name(name)
        except StudioError:
            print(
                f"  {name} ({role}{', admin' if admin else ''}): this name cannot be a login (letters, "
                "digits and _ only); the person keeps their history but cannot act in the team project"
            )
            continue
        print(f"  heritage-studio team add-person {name} --role {role}{' --admin' if admin else ''} --url {url}")
        print(f"  heritage-studio team set-role {name} --role {role}{' --admin' if admin else ''} --url {url}")
