"""People, their roles and who manages them.

Roles decide who may do what (approval is the editor's alone); the four-eyes
rule who may not. Admins (a flag on top of the working role) manage people,
roles and policy settings; every such change is audited. Signing in, which
reads the project's settings, is studio/sign_in.py.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from studio import audit, passphrases, team_roles
from studio.errors import NotFound, PermissionDenied, StudioError
from studio.messages import Message, say
from studio.models import User

if TYPE_CHECKING:
    from studio.project import Project

ROLES = ("curator", "editor", "producer")

# What each role may do. Approval of visitor text is the editor's alone: it is
# the act that lets text reach the public. Deciding on facts (review_facts) is
# the curator's job too: a fact never reaches the public itself, only text an
# editor approves after it was composed from facts. "configure" is a setting
# that is not policy (which engine drafts, how many threads).
PERMISSIONS: dict[str, frozenset[str]] = {
    "curator": frozenset({"import", "edit", "draft", "glossary", "transcribe", "review_facts", "configure"}),
    "editor": frozenset({"import", "edit", "draft", "glossary", "transcribe", "review", "review_facts", "configure"}),
    "producer": frozenset({"export"}),
}
# What only an admin may do, whatever their role: who works here, in which role,
# and the rules everyone works under (four-eyes, sign-in, disclosure texts).
ADMIN_PERMISSIONS = frozenset({"people", "policy", "configure"})


def describe(user: User) -> str:
    return f"{user.role}, admin" if user.admin else user.role


def add_user(s: Session, name: str, role: str, by: User | None = None, *, admin: bool = False) -> User:
    """Add a person. Needs an admin (`by`), except the project's first admin, who is added by nobody."""
    name = name.strip()
    if not name:
        raise StudioError("a user needs a name")
    if role not in ROLES:
        raise StudioError(f"unknown role '{role}' (choose one of: {', '.join(ROLES)})")
    if team_roles.gated(s):
        # A team database's people are its logins: the server adds and audits them.
        if by is not None:
            require_stored(s, by, "people")
        return get_user_by_id(s, team_roles.enrol(s, name, role, admin))
    if by is None:
        if has_admin(s):
            raise PermissionDenied("who is adding this person? only an admin may add people (pass --user NAME)")
        if not admin:
            raise PermissionDenied(
                "this project has no admin yet: the first person added must be its admin "
                f"(heritage-studio user add {name} --role {role} --admin)"
            )
        actor = name
    else:
        actor = require_stored(s, by, "people").name
    if s.exec(select(User).where(User.name == name)).first():
        raise StudioError(f"a user named '{name}' already exists")
    user = User(name=name, role=role, admin=admin)
    s.add(user)
    s.flush()
    audit.record(s, actor, "user.add", "user", user.id, {"name": name, "role": role, "admin": admin})
    return user


def change_role(s: Session, name: str, by: User, *, role: str | None = None, admin: bool | None = None) -> User:
    """An admin changes a person's role or admin flag; the last admin cannot be removed."""
    actor = require_stored(s, by, "people")
    person = get_user(s, name)
    if team_roles.gated(s):
        # The server moves the login between its groups, updates the row and writes the audit entry.
        team_roles.set_role(s, person.name, role, admin)
        s.refresh(person)  # the row as the server left it
        return person
    if role is not None and role not in ROLES:
        raise StudioError(f"unknown role '{role}' (choose one of: {', '.join(ROLES)})")
    if admin is False and person.admin and _admin_count(s) == 1:
        raise StudioError(f"{person.name} is this project's only admin; make someone else admin first")
    before = {"role": person.role, "admin": person.admin}
    if role is not None:
        person.role = role
    if admin is not None:
        person.admin = admin
    s.add(person)
    s.flush()
    audit.record(
        s,
        actor.name,
        "user.change",
        "user",
        person.id,
        {"name": person.name, "role": person.role, "admin": person.admin, "before": before},
    )
    return person


def set_passphrase(s: Session, name: str, passphrase: str, by: User) -> User:
    """A person sets their own passphrase, or an admin sets (resets) someone's."""
    if team_roles.gated(s):
        raise StudioError(
            "on a team database the sign-in is the database login's password: IT sets a new one with "
            "heritage-studio team add-person NAME --role ROLE --url URL (docs/TEAM.md)"
        )
    actor = _stored(s, by)
    person = get_user(s, name)
    if actor.id != person.id:
        require(actor, "people")
    person.passphrase_hash = passphrases.hash_passphrase(passphrase)
    s.add(person)
    s.flush()
    # The log binds the stored hash by its sha256 (so `check` sees one swapped in
    # by hand) but never holds the hash itself, which is what a guesser would need.
    audit.record(
        s,
        actor.name,
        "user.passphrase",
        "user",
        person.id,
        {"name": person.name, "hash_sha256": hashlib.sha256(person.passphrase_hash.encode()).hexdigest()},
    )
    return person


def has_admin(s: Session) -> bool:
    return _admin_count(s) > 0


def _admin_count(s: Session) -> int:
    return len(list(s.exec(select(User.id).where(col(User.admin).is_(True)))))


def get_user(s: Session, name: str) -> User:
    user = s.exec(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFound(
            f"no user named '{name}' in this project (add one with: heritage-studio user add NAME --role editor)"
        )
    return user


def get_user_by_id(s: Session, user_id: int) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id} in this project")
    return user


def person(project: Project, name: str) -> User:
    """The person named, read afresh (roles change): a detached record of the users table."""
    with project.read() as s:
        return get_user(s, name)


def check_acting(project: Project, name: str, permission: str) -> User:
    """`acting` in a read of its own: the person, if they may do this; before work that writes later."""
    with project.read() as s:
        return acting(s, name, permission)


def people_and_roles(project: Project) -> list[tuple[str, str]]:
    """Each person's name and role ('editor', or 'editor, admin'), for the window's picker."""
    with project.read() as s:
        return [(p.name, p.role + (", admin" if p.admin else "")) for p in list_users(s)]


def add_first_person(project: Project, name: str) -> str:
    """The project's first person, its editor and admin, added by nobody (once it has an admin,
    `add_user` refuses: only an admin adds people)."""
    with project.session() as s:
        return add_user(s, name, "editor", admin=True).name


def list_users(s: Session) -> list[User]:
    return list(s.exec(select(User).order_by(User.name)))


def require(user: User, permission: str) -> None:
    if permission in PERMISSIONS.get(user.role, frozenset()):
        return
    if user.admin and permission in ADMIN_PERMISSIONS:
        return
    if permission in ("people", "policy"):
        raise PermissionDenied(say(f"not_admin_{permission}", name=user.name))
    if f"denied_{permission}" in Message.TEMPLATES and f"role_{user.role}" in Message.TEMPLATES:
        role = say(f"role_{user.role}")
        raise PermissionDenied(say(f"denied_{permission}", name=user.name, role=role, who=_who_can(permission)))
    raise PermissionDenied(f"{user.name} is a {user.role}; only {_who_can(permission)} may {permission}")


def acting(s: Session, name: str, permission: str) -> User:
    """The person `name` (as the window or a job captured it), if their role allows `permission` now."""
    if not name:
        raise PermissionDenied(say("nobody_working"))
    person = get_user(s, name)
    team_roles.require_self(s, person.name)
    require(person, permission)
    return person


def require_self(s: Session, name: str) -> None:
    """On a team database only the connected login's own person acts (studio/team_roles.py)."""
    team_roles.require_self(s, name)


def require_stored(s: Session, user: User, permission: str) -> User:
    """The stored person behind `user` (roles may have changed since it was read), if allowed."""
    person = _stored(s, user)
    require(person, permission)
    return person


def _stored(s: Session, user: User) -> User:
    person = s.get(User, user.id) if user.id is not None else None
    if person is None or person.name != user.name:
        raise PermissionDenied(say("not_registered"))
    team_roles.require_self(s, person.name)
    return person


def _who_can(permission: str) -> str:
    roles = [r for r, perms in PERMISSIONS.items() if permission in perms]
    return " or ".join(f"{r}s" for r in roles) or "nobody"
