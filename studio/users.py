"""People and their roles. Roles decide who may approve; the four-eyes rule who may not."""

from __future__ import annotations

from sqlmodel import Session, select

from studio import audit
from studio.errors import NotFound, PermissionDenied, StudioError
from studio.models import User

ROLES = ("curator", "editor", "producer")

# What each role may do. Approval of visitor text is the editor's alone: it is
# the act that lets text reach the public. Deciding on facts (review_facts) is
# the curator's job too: a fact never reaches the public itself, only text an
# editor approves after it was composed from facts.
PERMISSIONS: dict[str, frozenset[str]] = {
    "curator": frozenset({"import", "edit", "draft", "glossary", "transcribe", "review_facts"}),
    "editor": frozenset({"import", "edit", "draft", "glossary", "transcribe", "review", "review_facts"}),
    "producer": frozenset({"export"}),
}


def add_user(s: Session, name: str, role: str, actor: str = "") -> User:
    name = name.strip()
    if not name:
        raise StudioError("a user needs a name")
    if role not in ROLES:
        raise StudioError(f"unknown role '{role}' (choose one of: {', '.join(ROLES)})")
    if s.exec(select(User).where(User.name == name)).first():
        raise StudioError(f"a user named '{name}' already exists")
    user = User(name=name, role=role)
    s.add(user)
    s.flush()
    audit.record(s, actor or name, "user.add", "user", user.id, {"name": name, "role": role})
    return user


def get_user(s: Session, name: str) -> User:
    user = s.exec(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFound(
            f"no user named '{name}' in this project (add one with: heritage-studio user add NAME --role editor)"
        )
    return user


def list_users(s: Session) -> list[User]:
    return list(s.exec(select(User).order_by(User.name)))


def require(user: User, permission: str) -> None:
    if permission not in PERMISSIONS.get(user.role, frozenset()):
        raise PermissionDenied(f"{user.name} is a {user.role}; only {_who_can(permission)} may {permission}")


def _who_can(permission: str) -> str:
    roles = [r for r, perms in PERMISSIONS.items() if permission in perms]
    return " or ".join(f"{r}s" for r in roles) or "nobody"
