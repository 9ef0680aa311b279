"""Users (admins, managers, agents), their passwords and login tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from redis.asyncio import Redis

from livechat.engine import keys
from livechat.engine.jsonutil import new_id, now_ms

ROLES = ("admin", "livechat-manager", "livechat-agent")
AVAILABLE = "available"
NOT_AVAILABLE = "not-available"
TOKEN_BYTES = 32  # 256-bit login tokens; only their SHA-256 is stored

_hasher = PasswordHasher()


class UserError(ValueError):
    def __init__(self, field_name: str, error: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.error = error


@dataclass
class User:
    id: str
    username: str
    name: str = ""
    email: str = ""
    roles: list[str] = field(default_factory=list)
    status: str = NOT_AVAILABLE

    def public(self) -> dict[str, Any]:
        return {
            "_id": self.id, "username": self.username, "name": self.name,
            "emails": [{"address": self.email, "verified": False}] if self.email else [],
            "roles": self.roles, "statusLivechat": self.status,
        }

    @property
    def is_manager(self) -> bool:
        return "admin" in self.roles or "livechat-manager" in self.roles

    @property
    def is_agent(self) -> bool:
        return "livechat-agent" in self.roles


def decode(user_id: str, raw: dict[bytes, bytes]) -> User:
    d = {k.decode(): v.decode() for k, v in raw.items()}
    return User(
        id=user_id, username=d["username"], name=d.get("name", ""), email=d.get("email", ""),
        roles=[r for r in d.get("roles", "").split(",") if r], status=d.get("status", NOT_AVAILABLE),
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create(redis: Redis, username: str, password: str, name: str = "", email: str = "",
                 roles: list[str] | None = None) -> User:
    roles = roles or []
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise UserError("roles", "error-invalid-role", f"Unknown role {bad[0]!r}; roles are {', '.join(ROLES)}")
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise UserError("username", "error-invalid-username",
                        f"Username {username!r} may only hold letters, digits, '.', '-' and '_'")
    if len(password) < 8:
        raise UserError("password", "error-password-too-short", "Password must have at least 8 characters")
    user = User(id=new_id(), username=username, name=name or username, email=email, roles=roles)
    if not await redis.hsetnx(keys.USERNAMES, username, user.id):
        raise UserError("username", "error-field-unavailable", f"Username {username!r} is already in use")
    pipe = redis.pipeline(transaction=False)
    pipe.hset(keys.user(user.id), mapping={
        "username": username, "name": user.name, "email": email, "roles": ",".join(roles),
        "password": _hasher.hash(password), "status": NOT_AVAILABLE, "createdAt": now_ms(),
    })
    pipe.sadd(keys.USERS, user.id)
    for role in roles:
        pipe.sadd(keys.role_members(role), user.id)
    await pipe.execute()
    return user


async def get(redis: Redis, user_id: str) -> User | None:
    raw = await redis.hgetall(keys.user(user_id))
    return decode(user_id, raw) if raw else None


async def get_many(redis: Redis, user_ids: list[str]) -> list[User]:
    if not user_ids:
        return []
    pipe = redis.pipeline(transaction=False)
    for uid in user_ids:
        pipe.hgetall(keys.user(uid))
    raws = await pipe.execute()
    return [decode(uid, raw) for uid, raw in zip(user_ids, raws, strict=True) if raw]


async def by_username(redis: Redis, username: str) -> User | None:
    user_id = await redis.hget(keys.USERNAMES, username)
    return await get(redis, user_id.decode()) if user_id else None


async def count(redis: Redis) -> int:
    return int(await redis.scard(keys.USERS))


async def login(redis: Redis, username: str, password: str) -> tuple[User, str] | None:
    user_id = await redis.hget(keys.USERNAMES, username)
    if user_id is None:
        _hasher.hash(password)  # same cost whether or not the user exists
        return None
    uid = user_id.decode()
    stored = await redis.hget(keys.user(uid), "password")
    try:
        _hasher.verify(stored.decode() if stored else "", password)
    except (VerificationError, InvalidHashError):
        return None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    pipe = redis.pipeline(transaction=False)
    pipe.set(keys.auth_token(_digest(token)), uid)
    pipe.sadd(keys.user_tokens(uid), _digest(token))
    await pipe.execute()
    user = await get(redis, uid)
    assert user is not None
    return user, token


async def logout(redis: Redis, user_id: str, token: str) -> None:
    pipe = redis.pipeline(transaction=False)
    pipe.delete(keys.auth_token(_digest(token)))
    pipe.srem(keys.user_tokens(user_id), _digest(token))
    await pipe.execute()


async def authenticate(redis: Redis, user_id: str, token: str) -> User | None:
    stored = await redis.get(keys.auth_token(_digest(token)))
    if stored is None or stored.decode() != user_id:
        return None
    return await get(redis, user_id)


async def add_role(redis: Redis, user: User, role: str) -> None:
    if role not in user.roles:
        user.roles.append(role)
    pipe = redis.pipeline(transaction=False)
    pipe.hset(keys.user(user.id), "roles", ",".join(user.roles))
    pipe.sadd(keys.role_members(role), user.id)
    await pipe.execute()


async def remove_role(redis: Redis, user: User, role: str) -> None:
    user.roles = [r for r in user.roles if r != role]
    pipe = redis.pipeline(transaction=False)
    pipe.hset(keys.user(user.id), "roles", ",".join(user.roles))
    pipe.srem(keys.role_members(role), user.id)
    await pipe.execute()


async def with_role(redis: Redis, role: str) -> list[User]:
    ids = sorted(m.decode() for m in await redis.smembers(keys.role_members(role)))
    return await get_many(redis, ids)


async def set_status(redis: Redis, user_id: str, status: str) -> None:
    await redis.hset(keys.user(user_id), "status", status)
