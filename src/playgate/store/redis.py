"""Redis idempotency store, for many FC instances across machines (ApsaraDB for Redis / Tair compatible).

Only plain commands and EVAL/EVALSHA Lua, each script touching the single key it is given in ``KEYS``, so it
runs on standard, cluster and proxy-mode (read/write splitting) instances alike and needs no modules.

Why Lua and not ``SET NX PX`` + ``GET``: the claim has to answer three ways in one atomic step (acquired /
in progress / completed *with the outcome*). ``SET NX`` alone says only "someone has it"; reading the record
afterwards is a second round trip and a race (the record can expire or complete in between), and
``SET NX GET`` needs Redis 7. One script does read-decide-write atomically in one round trip (EVALSHA; the
client falls back to EVAL once after a failover flushed the script cache).

A record is a hash ``{status, token, outcome}``; its expiry is the key's own PX expiry, so an expired
in-progress claim or completed record simply no longer exists. Remaining lifetimes come back as PTTL and
are turned into epoch seconds on the client, so clock skew between client and server does not matter.
"""

from __future__ import annotations

import json
import math
import secrets
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from playgate.errors import PlaygateError, StoreUnavailable
from playgate.log import get_logger, redact_text
from playgate.store.base import Claim, ClaimLost, ClaimStatus, check_key, check_ttl, time_left
from playgate.store.urls import redact_url

T = TypeVar("T")

# KEYS[1] record; ARGV: token, in-progress TTL (ms). Returns {status, outcome, pttl}. A claim that finds its
# own token was retried by the client after a lost reply: it is still ours.
CLAIM_LUA = """
local rec = redis.call('HMGET', KEYS[1], 'status', 'outcome', 'token')
if not rec[1] or (rec[1] == 'INPROGRESS' and rec[3] == ARGV[1]) then
  redis.call('HSET', KEYS[1], 'status', 'INPROGRESS', 'token', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {'ACQUIRED', '', tonumber(ARGV[2])}
end
return {rec[1], rec[2] or '', redis.call('PTTL', KEYS[1])}
"""

# KEYS[1] record; ARGV: token, outcome (JSON), TTL (ms). Returns 'OK' or the status another token holds.
COMPLETE_LUA = """
local holder = redis.call('HMGET', KEYS[1], 'token', 'status')
if holder[1] and holder[1] ~= ARGV[1] then
  return holder[2]
end
redis.call('HSET', KEYS[1], 'status', 'COMPLETED', 'token', ARGV[1], 'outcome', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 'OK'
"""

# KEYS[1] record; ARGV: token. Returns 1 when the holder's in-progress claim was dropped.
RELEASE_LUA = """
local holder = redis.call('HMGET', KEYS[1], 'token', 'status')
if holder[1] == ARGV[1] and holder[2] == 'INPROGRESS' then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS[1] record. Returns {status, outcome, pttl} or {} when absent.
GET_LUA = """
local rec = redis.call('HMGET', KEYS[1], 'status', 'outcome')
if not rec[1] then return {} end
return {rec[1], rec[2] or '', redis.call('PTTL', KEYS[1])}
"""

# KEYS[1] a sorted set of send times; ARGV: now (ms), window (ms), limit, keep, a unique member.
# Returns 1 when a slot was taken. The caller's clock is used: skew of milliseconds does not matter here.
TAKE_SLOT_LUA = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) + tonumber(ARGV[4]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""

# KEYS[1] a list. Returns its items and deletes it, atomically (two instances never take the same items).
TAKE_ITEMS_LUA = """
local items = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
return items
"""

DEFAULT_PREFIX = "playgate:"
ATTEMPTS = 3  # per call, on connection errors and timeouts; every attempt and backoff within the deadline
BACKOFF_S = 0.02
MARKER = "store-created"  # written at first use; its absence later means the data was lost
MARKER_CHECK_S = 30.0

_calling = threading.local()  # the deadline of the store call running on this thread, if any


# a mixin over redis' connection classes below; the type checker sees what it mixes into
if TYPE_CHECKING:
    _RedisConnection = redis.Connection
else:
    _RedisConnection = object


class _DeadlineBound(_RedisConnection):
    """Socket timeouts that never reach past the calling thread's deadline: connect, send and read."""

    _socket_timeout: float | None
    _socket_connect_timeout: float | None

    @property
    def socket_timeout(self) -> float | None:
        return _bounded(self._socket_timeout)

    @socket_timeout.setter
    def socket_timeout(self, value: float | None) -> None:
        self._socket_timeout = value

    @property
    def socket_connect_timeout(self) -> float | None:
        return _bounded(self._socket_connect_timeout)

    @socket_connect_timeout.setter
    def socket_connect_timeout(self, value: float | None) -> None:
        self._socket_connect_timeout = value

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        sock = getattr(self, "_sock", None)
        if sock is not None:  # a kept-alive socket got the timeout of the call that opened it
            sock.settimeout(self.socket_timeout)
        super().send_packed_command(command, check_health)


class _Connection(_DeadlineBound, redis.Connection):
    pass


class _SSLConnection(_DeadlineBound, redis.SSLConnection):
    pass


def _bounded(configured: float | None) -> float | None:
    deadline = getattr(_calling, "deadline", None)
    if deadline is None:
        return configured
    left = max(0.001, deadline - time.monotonic())  # 0 would make the socket non-blocking
    return left if configured is None else min(configured, left)


class RedisStore:
    def __init__(
        self,
        url: str,
        *,
        prefix: str | None = None,
        socket_timeout_s: float = 2.0,
        connect_timeout_s: float = 2.0,
    ) -> None:
        url, url_prefix = _split_prefix(url)
        self.prefix = prefix if prefix is not None else (url_prefix or DEFAULT_PREFIX)
        self.display_url = redact_url(url)
        self._client = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=socket_timeout_s,
            socket_connect_timeout=connect_timeout_s,
            health_check_interval=30,
            connection_class=_SSLConnection if url.lower().startswith("rediss:") else _Connection,
            retry=Retry(NoBackoff(), retries=0),  # _call retries, within the deadline
        )
        self.marker_check_s = MARKER_CHECK_S
        self._marker_seen = False
        self._next_marker_check = 0.0
        _check_options(self._client)
        self._claim = self._client.register_script(CLAIM_LUA)
        self._complete = self._client.register_script(COMPLETE_LUA)
        self._release = self._client.register_script(RELEASE_LUA)
        self._get = self._client.register_script(GET_LUA)
        self._take_slot = self._client.register_script(TAKE_SLOT_LUA)
        self._take_items = self._client.register_script(TAKE_ITEMS_LUA)

    # --- the contract ------------------------------------------------------------------------------
    def claim(self, key: str, *, in_progress_ttl_s: float, deadline: float | None = None) -> Claim:
        check_key(key)
        check_ttl("in_progress_ttl_s", in_progress_ttl_s)
        token = secrets.token_hex(16)
        args: list[str | int] = [token, _ms(in_progress_ttl_s)]
        status, outcome, pttl = self._call(
            "claim", lambda: self._claim(keys=[self._record(key)], args=args), deadline
        )
        self._check_marker(deadline)
        expires_at = _expires_at(pttl)
        if status == "ACQUIRED":
            return Claim(ClaimStatus.ACQUIRED, key, expires_at=expires_at, token=token)
        return _record(key, status, outcome, expires_at)

    def complete(
        self, key: str, token: str, outcome: dict[str, Any], *, ttl_s: float, deadline: float | None = None
    ) -> None:
        check_key(key)
        check_ttl("ttl_s", ttl_s)
        args: list[str | int] = [
            token,
            json.dumps(outcome, ensure_ascii=False, separators=(",", ":")),
            _ms(ttl_s),
        ]
        result = self._call("complete", lambda: self._complete(keys=[self._record(key)], args=args), deadline)
        if result != "OK":
            raise ClaimLost.taken_by_another(key, completed=result == "COMPLETED")

    def release(self, key: str, token: str, *, deadline: float | None = None) -> bool:
        check_key(key)
        released = self._call(
            "release", lambda: self._release(keys=[self._record(key)], args=[token]), deadline
        )
        return released == 1

    def get(self, key: str, *, deadline: float | None = None) -> Claim | None:
        check_key(key)
        reply = self._call("get", lambda: self._get(keys=[self._record(key)]), deadline)
        if not reply:
            return None
        status, outcome, pttl = reply
        return _record(key, status, outcome, _expires_at(pttl))

    def get_value(self, name: str, *, deadline: float | None = None) -> str | None:
        value = self._call("get_value", lambda: self._client.get(self._value(name)), deadline)
        return cast("str | None", value)  # decode_responses: the client answers text

    def set_value(self, name: str, value: str, *, deadline: float | None = None) -> None:
        self._call("set_value", lambda: self._client.set(self._value(name), value), deadline)

    # --- per-sink delivery record (see DeliveryRecord) ------------------------------------------------
    def delivered_sinks(self, message_id: str) -> set[str]:
        check_key(message_id)
        members = self._call("delivered_sinks", lambda: self._client.smembers(self._sent(message_id)))
        return cast("set[str]", members)  # decode_responses: the client answers text

    def mark_delivered(self, message_id: str, sink: str, *, ttl_s: float) -> None:
        check_key(message_id)
        check_ttl("ttl_s", ttl_s)
        key = self._sent(message_id)

        def mark() -> None:
            with self._client.pipeline(transaction=True) as pipe:  # MULTI: one key, so cluster-safe
                pipe.sadd(key, sink)
                pipe.pexpire(key, _ms(ttl_s))
                pipe.execute()

        self._call("mark_delivered", mark)

    # --- a rate window shared by every instance (see RateSlots) -----------------------------------------
    def take_slot(self, name: str, limit: int, *, window_s: float, keep: int = 0) -> bool:
        check_key(name)
        check_ttl("window_s", window_s)
        args: list[str | int] = [int(time.time() * 1000), _ms(window_s), limit, keep, secrets.token_hex(8)]
        key = f"{self.prefix}rate:{name}"
        return self._call("take_slot", lambda: self._take_slot(keys=[key], args=args)) == 1

    # --- items held for a later message, shared by every instance (see HeldItems) ----------------------
    def push_item(self, name: str, item: str, *, max_items: int, ttl_s: float) -> None:
        check_key(name)
        check_ttl("ttl_s", ttl_s)
        key = f"{self.prefix}held:{name}"

        def push() -> None:
            with self._client.pipeline(transaction=True) as pipe:  # MULTI on one key
                pipe.rpush(key, item)
                pipe.ltrim(key, -max_items, -1)
                pipe.pexpire(key, _ms(ttl_s))
                pipe.execute()

        self._call("push_item", push)

    def take_items(self, name: str) -> list[str]:
        check_key(name)
        return list(self._call("take_items", lambda: self._take_items(keys=[f"{self.prefix}held:{name}"])))

    def count_items(self, name: str) -> int:
        check_key(name)
        return int(self._call("count_items", lambda: self._client.llen(f"{self.prefix}held:{name}")))

    def close(self) -> None:
        self._client.close()

    def __repr__(self) -> str:
        return f"RedisStore({self.display_url!r}, prefix={self.prefix!r})"

    # --- a flushed store -------------------------------------------------------------------------------
    def _check_marker(self, deadline: float | None) -> None:
        """Now and then: is the marker written at first use still there? Its absence means Redis lost its
        data (a restart without persistence, FLUSHALL, eviction) and completed events will publish again."""
        now = time.monotonic()
        if now < self._next_marker_check:
            return
        self._next_marker_check = now + self.marker_check_s
        marker = self._value(MARKER)
        try:
            created = self._call(
                "marker", lambda: self._client.set(marker, str(time.time()), nx=True), deadline
            )
        except PlaygateError:  # housekeeping: the claim itself went through; checked again later
            return
        if created and self._marker_seen:
            get_logger().warning(
                "store.flushed",
                store=self.display_url,
                detail="the idempotency store lost its completed records (a restart without persistence, "
                "FLUSHALL, eviction): events delivered again are published again, with the same CloudEvent "
                "ids. Turn on AOF or RDB persistence and a noeviction policy.",
            )
        elif created:
            get_logger().info("store.marker_written", store=self.display_url, marker=marker)
        self._marker_seen = True

    # --- plumbing ------------------------------------------------------------------------------------
    def _record(self, key: str) -> str:
        return f"{self.prefix}idem:{key}"

    def _value(self, name: str) -> str:
        return f"{self.prefix}value:{name}"

    def _sent(self, message_id: str) -> str:
        return f"{self.prefix}sent:{message_id}"

    def _call(self, what: str, command: Callable[[], T], deadline: float | None = None) -> T:
        """The command, tried again on connection errors and timeouts; no wait reaches past ``deadline``."""
        label = f"Redis idempotency store {self.display_url}: {what}"
        for attempt in range(1, ATTEMPTS + 1):
            time_left(deadline, label)
            _calling.deadline = deadline
            try:
                return command()
            except (RedisConnectionError, RedisTimeoutError) as error:
                if attempt == ATTEMPTS:
                    raise self._unavailable(what, error) from error
            except RedisError as error:
                raise self._unavailable(what, error) from error
            finally:
                _calling.deadline = None
            left = time_left(deadline, label)
            time.sleep(BACKOFF_S * attempt if left is None else min(BACKOFF_S * attempt, left))
        raise AssertionError("unreachable")

    def _unavailable(self, what: str, error: RedisError) -> StoreUnavailable:
        return StoreUnavailable(
            f"Redis idempotency store {self.display_url}: {what} failed "
            f"({type(error).__name__}: {redact_text(str(error))}). Check that the instance is reachable "
            "from the function (VPC, whitelist, password); the event will be retried."
        )


def _record(key: str, status: str, outcome: str, expires_at: float | None) -> Claim:
    if status == "COMPLETED":
        return Claim(ClaimStatus.COMPLETED, key, outcome=json.loads(outcome), expires_at=expires_at)
    return Claim(ClaimStatus.IN_PROGRESS, key, expires_at=expires_at)


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


def _expires_at(pttl: Any) -> float | None:
    pttl = int(pttl)
    return time.time() + pttl / 1000.0 if pttl >= 0 else None


def _check_options(client: redis.Redis) -> None:
    """Build (not connect) one connection so an unknown URL option fails now, not on the first event."""
    pool = client.connection_pool
    try:
        pool.connection_class(**pool.connection_kwargs)
    except TypeError as error:
        raise ValueError(f"unknown option in the URL's query: {error}") from error


def _split_prefix(url: str) -> tuple[str, str | None]:
    """Take playgate's own ``?prefix=`` off the URL; every other query option goes to redis-py."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((value for name, value in query if name == "prefix"), None)
    if prefix is None:
        return url, None
    rest = urlencode([(name, value) for name, value in query if name != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefix
