#!/usr/bin/python3
"""A relying app in Python: Flask + PyJWT, verifying the domain SSO cookie.

It does what BFF 2 does, in another language: read the `__Secure-sso` cookie,
verify it as a compact JWS against app 1's JWKS (or the HS256 shared secret in
compatibility mode), refuse it if app 1's revocation feed lists its session or
its signing key (an emergency withdrawal), and provision a local user keyed by (iss, sub) in SQLite. The rules follow
bff/session/src/token.ts, bff/session/src/revocation-feed.ts, ADR 002 and ADR 003.

Runs on Debian's system Python with python3-flask, python3-jwt and
python3-cryptography only:

    /usr/bin/python3 examples/python-app/app.py

Its page (`GET /`) does what the Node kit's requireSession() does for
server-rendered pages: a browser without a valid token is sent to app 1's
`/login?returnTo=<this page>`, which renews the token silently while the
session lives and sends it straight back (DESIGN.md, "Sessions that last").

Its `/security` page and `/api/security` need more: a second factor (`amr`
holds `mfa`) proved at most STEP_UP_MAX_AGE seconds ago (`auth_time`), as the
Node kit's requireSession({ mfa: true, maxAuthAge }). A page without it goes to
app 1's `/login/step-up?returnTo=<this page>&max_age=<seconds>`, which asks for
the second factor only and comes back; an API caller gets 401
STEP_UP_REQUIRED with `stepUpUrl` (ADR 032).

Configuration comes from environment variables (see README.md next to this file).
"""

from __future__ import annotations

import base64
import binascii
import functools
import html
import json
import math
import os
import re
import secrets
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping, Optional

import jwt
from flask import Flask, Request, Response, request
from jwt.algorithms import get_default_algorithms

# --- configuration ---------------------------------------------------------

SERVICE = "Python relying app"
TOKEN_TYPE = "sso+jwt"
CLOCK_TOLERANCE_SECONDS = 5
HS256_MIN_SECRET_BYTES = 32
# A real token is ~600 bytes; anything longer or not shaped like a compact JWS
# is refused before it is parsed (as bff/session does).
MAX_TOKEN_LENGTH = 4096
# The `groups` claim's bounds (bff/session/src/claims.ts): more is refused.
MAX_TOKEN_GROUPS = 32
MAX_GROUP_LENGTH = 64
COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "sub", "sid", "jti", "preferred_username"]
REVOCATION_POLL_TIMEOUT_SECONDS = 2.0
# While app 1 stays unreachable, one warning per this many seconds (not one per poll).
REVOCATION_WARNING_EVERY_SECONDS = 60.0
# An origin exactly as app 1 lists it in SSO_EXTRA_ORIGINS (scheme, lower-case
# host, port): app 1 compares returnTo's origin with that list character for character.
ORIGIN = re.compile(r"^https?://(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$")


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Config:
    host: str
    port: int
    issuer: str
    audience: str
    jwks_url: str
    revocations_url: str
    revocation_poll_ms: int
    admin_group: str
    alg: str  # "EdDSA" or "HS256"
    hs256_secret: Optional[bytes]
    cookie_name: str
    database: str
    token_ttl: int
    public_origin: str  # where browsers reach this app: the origin of returnTo
    step_up_max_age: int  # /security: a second factor at most this many seconds old

    @property
    def step_up_url(self) -> str:
        return f"{self.issuer}/login/step-up"

    @property
    def login_url(self) -> str:
        return f"{self.issuer}/login"


def load_config(env: Mapping[str, str]) -> Config:
    def get(name: str, default: str) -> str:
        value = env.get(name, "")
        return value if value != "" else default

    def integer(name: str, default: int, low: int, high: int) -> int:
        raw = get(name, str(default))
        try:
            value = int(raw, 10)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} must be a whole number between {low} and {high}.") from None
        if not low <= value <= high:
            raise ConfigError(f"{name}={raw!r} must be a whole number between {low} and {high}.")
        return value

    def http_url(name: str, default: str) -> str:
        value = get(name, default).rstrip("/") if name == "SSO_ISSUER" else get(name, default)
        if not re.match(r"^https?://[^/\s]+", value):
            raise ConfigError(f"{name}={value!r} must be an http(s) URL such as {default}.")
        return value

    def public_origin(name: str, default: str) -> str:
        value = get(name, default).rstrip("/")
        # http://host:80 and https://host:443 are not origins as browsers (and app 1) write them.
        default_port = (value.startswith("http://") and value.endswith(":80")) or (
            value.startswith("https://") and value.endswith(":443"))
        if not ORIGIN.match(value) or default_port:
            raise ConfigError(
                f"{name}={value!r} must be this app's public origin as browsers see it, such as {default} "
                "(scheme, lower-case host and port; no path, no default port), the same value as in "
                "app 1's SSO_EXTRA_ORIGINS."
            )
        return value

    alg = get("SSO_TOKEN_ALG", "EdDSA")
    if alg not in ("EdDSA", "HS256"):
        raise ConfigError(f"SSO_TOKEN_ALG={alg!r} must be EdDSA (default, JWKS) or HS256 (shared-secret compatibility mode).")

    secret: Optional[bytes] = None
    if alg == "HS256":
        raw = env.get("SSO_HS256_SECRET", "")
        if raw == "":
            raise ConfigError(
                "SSO_TOKEN_ALG=HS256 needs SSO_HS256_SECRET: the same secret (at least 32 random bytes) that app 1 uses."
            )
        secret = raw.encode("utf-8")
        if len(secret) < HS256_MIN_SECRET_BYTES:
            raise ConfigError(
                f"SSO_HS256_SECRET is {len(secret)} bytes; it must be at least {HS256_MIN_SECRET_BYTES} random bytes "
                "(the same value app 1 uses). Generate one with: "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )

    if alg == "EdDSA" and "EdDSA" not in get_default_algorithms():
        raise ConfigError("PyJWT cannot verify EdDSA here: install python3-cryptography.")

    port = integer("PORT", 3004, 1, 65535)
    return Config(
        host=get("HOST", "127.0.0.1"),
        port=port,
        issuer=http_url("SSO_ISSUER", "http://app1.sso.localhost:3001"),
        audience=get("SSO_AUDIENCE", "sso.localhost"),
        jwks_url=http_url("SSO_JWKS_URL", "http://127.0.0.1:3001/.well-known/jwks.json"),
        revocations_url=http_url("SSO_REVOCATIONS_URL", "http://127.0.0.1:3001/api/revocations"),
        revocation_poll_ms=integer("SSO_REVOCATION_POLL_MS", 1000, 100, 60000),
        admin_group=get("ADMIN_GROUP", "admins"),
        alg=alg,
        hs256_secret=secret,
        cookie_name=get("SSO_COOKIE_NAME", "__Secure-sso"),
        # Beside the BFFs' data (./data, as `npm start` uses), never the repository root.
        database=get("DATABASE", os.path.join(get("DATA_DIR", "./data"), "python-app.sqlite3")),
        token_ttl=integer("SSO_TOKEN_TTL", 600, 30, 3600),
        public_origin=public_origin("PUBLIC_ORIGIN", f"http://python.sso.localhost:{port}"),
        step_up_max_age=integer("STEP_UP_MAX_AGE", 900, 60, 86400),
    )


# --- app 1's public keys ----------------------------------------------------


class KeysUnavailable(Exception):
    """No key set has ever been fetched and the JWKS cannot be reached now."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # refuse every redirect
        return None


class RemoteKeySet:
    """App 1's JWKS, kept in memory (the equivalent of createRemoteKeySet).

    PyJWT 2.6's PyJWKClient is not used: it fetches with no timeout, follows
    redirects, throws its cached set away when a fetch fails, and refetches on
    every unknown `kid`. Here the last good set is kept when app 1 is down, an
    unknown `kid` triggers at most one refetch per cooldown, and a stale set is
    refreshed in the background. Keys come from this set only, by `kid`; the
    token header's `jwk`, `jku` or `x5u` are never looked at.
    """

    def __init__(self, url: str, *, cooldown: float = 30.0, max_age: float = 300.0, timeout: float = 3.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self.cooldown = cooldown
        self.max_age = max_age
        self.timeout = timeout
        self.clock = clock
        self._keys: Optional[dict[str, Any]] = None
        self._fetched_at = 0.0
        self._last_attempt = -math.inf
        self._lock = threading.Lock()
        self._opener = urllib.request.build_opener(_NoRedirect())

    def _fetch(self) -> dict[str, Any]:
        req = urllib.request.Request(self.url, headers={"Accept": "application/json"})
        with self._opener.open(req, timeout=self.timeout) as res:
            if res.status != 200:
                raise OSError(f"JWKS fetch answered {res.status}")
            body = json.loads(res.read(256 * 1024 + 1))
        if not isinstance(body, dict) or not isinstance(body.get("keys"), list):
            raise ValueError("JWKS response has no keys array")
        keys: dict[str, Any] = {}
        for k in body["keys"]:
            # Only public Ed25519 signature keys with a kid: the algorithm we pin.
            if not (isinstance(k, dict) and k.get("kty") == "OKP" and k.get("crv") == "Ed25519"
                    and isinstance(k.get("kid"), str) and k["kid"] and "d" not in k
                    and k.get("use", "sig") == "sig" and k.get("alg", "EdDSA") in ("EdDSA", "Ed25519")):
                continue
            try:
                keys[k["kid"]] = jwt.PyJWK.from_dict(k, algorithm="EdDSA").key
            except jwt.exceptions.PyJWTError:
                continue
        return keys

    def refresh(self) -> None:
        """Fetches now; on failure the cached set (if any) stays and the error is raised."""
        with self._lock:
            self._last_attempt = self.clock()
            keys = self._fetch()
            self._keys = keys
            self._fetched_at = self.clock()

    def _refresh_quietly(self) -> None:
        try:
            self.refresh()
        except Exception as err:  # noqa: BLE001 - the cached set keeps being used
            kept = "keeping the cached keys" if self._keys is not None else "no keys yet, retrying on the next request"
            print(f"{SERVICE}: JWKS fetch from {self.url} failed ({kept}): {err}", file=sys.stderr)

    def get_key(self, kid: str) -> Optional[Any]:
        """The public key for `kid`, or None if app 1 does not publish it."""
        if self._keys is None:
            try:
                self.refresh()
            except Exception as err:  # noqa: BLE001
                raise KeysUnavailable(str(err)) from err
        keys = self._keys or {}
        now = self.clock()
        if kid in keys:
            if now - self._fetched_at > self.max_age and now - self._last_attempt > self.cooldown:
                self._last_attempt = now
                threading.Thread(target=self._refresh_quietly, daemon=True).start()
            return keys[kid]
        # Unknown kid: maybe app 1 rotated. Refetch, but not more than once per
        # cooldown, so forged kids cannot make us hammer app 1.
        if now - self._last_attempt >= self.cooldown:
            self._refresh_quietly()
        return (self._keys or {}).get(kid)

    def forget(self, kids: Iterable[str]) -> None:
        """App 1 withdrew these keys: drop them from the cached set and refetch it in the background.

        The refetch learns the replacement key at once, so the next renewed token
        is accepted without waiting for the unknown-`kid` cooldown. The cooldown is
        reset here, before the caller publishes the withdrawal: a token with the new
        `kid` that arrives before the background fetch ends fetches for itself
        rather than being refused. Only the withdrawn keys are dropped, not the
        whole set: if app 1 does not answer now, the other keys keep working.
        """
        gone = set(kids)
        self._last_attempt = -math.inf

        def drop_and_refetch() -> None:
            with self._lock:
                if self._keys is not None:
                    self._keys = {kid: key for kid, key in self._keys.items() if kid not in gone}
            self._refresh_quietly()

        threading.Thread(target=drop_and_refetch, name="jwks-refetch", daemon=True).start()


# --- app 1's revoked sessions -----------------------------------------------


def _is_whole_number(value: Any) -> bool:
    return _is_number(value) and value >= 0 and float(value).is_integer()


class RevocationFeed:
    """App 1's revoked sessions and withdrawn keys, polled from its feed (ADR 003; the equivalent of createRevocationFeed).

    Every `interval` seconds, a daemon thread asks `GET <url>?since=<cursor>`
    and keeps sid -> expiresAt (ms since the epoch), and kid -> expiresAt for
    the signing keys app 1 withdrew (`withdrawnKeys`, the whole list on every
    poll). An entry is dropped once `expiresAt` has passed: by then every token
    of that session, or signed by that key, has expired. A newly listed kid is
    passed to `on_keys_withdrawn` (the key set refetches the JWKS).
    While app 1 does not answer, the last copy keeps being used and a warning is
    logged (at most once a minute); nothing here ever stops the app. Staleness
    is at most one interval plus one request while app 1 answers.
    """

    def __init__(self, url: str, *, interval: float = 1.0, timeout: float = REVOCATION_POLL_TIMEOUT_SECONDS,
                 clock: Callable[[], float] = time.time, max_bytes: int = 32 * 1024 * 1024,
                 on_keys_withdrawn: Optional[Callable[[list[str]], None]] = None,
                 issuer: Optional[str] = None,
                 on_account_deleted: Optional[Callable[[str, str], None]] = None) -> None:
        self.url = url
        self.issuer = issuer  # only this issuer's deletions are passed on
        self.on_account_deleted = on_account_deleted
        self.interval = interval
        self.timeout = timeout
        self.clock = clock  # wall clock: expiresAt is app 1's Date.now()
        self.max_bytes = max_bytes
        self.on_keys_withdrawn = on_keys_withdrawn
        self._revoked: dict[str, float] = {}
        self._withdrawn: dict[str, float] = {}  # kid -> expiresAt (ms)
        self._cursor = 0
        self._last_sync: Optional[float] = None
        self._lock = threading.Lock()  # guards _revoked and _withdrawn (read by request threads)
        self._poll_lock = threading.Lock()  # one poll at a time; guards _cursor
        self._stop: Optional[threading.Event] = None
        self._thread: Optional[threading.Thread] = None
        self._failing = False
        self._last_warning = -math.inf
        self._opener = urllib.request.build_opener(_NoRedirect())

    def is_revoked(self, sid: str) -> bool:
        """True when app 1 reported this session revoked."""
        with self._lock:
            return sid in self._revoked

    def is_key_withdrawn(self, kid: str) -> bool:
        """True when app 1 withdrew this signing key and its tokens may still be alive."""
        with self._lock:
            return self._withdrawn.get(kid, -math.inf) > self.clock() * 1000

    def last_sync_at(self) -> Optional[float]:
        """Time (seconds) of the last successful poll, or None before the first."""
        return self._last_sync

    def _url(self, cursor: int) -> str:
        parts = urllib.parse.urlsplit(self.url)
        query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k != "since"]
        query.append(("since", str(cursor)))
        return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))

    def _fetch(self, cursor: int) -> tuple[dict[str, float], int, dict[str, float], list[tuple[str, str]]]:
        req = urllib.request.Request(self._url(cursor), headers={
            "Accept": "application/json",
            "x-request-id": f"python-app-{uuid.uuid4()}",
        })
        with self._opener.open(req, timeout=self.timeout) as res:
            if res.status != 200:
                raise OSError(f"revocation feed answered {res.status}")
            raw = res.read(self.max_bytes + 1)
        if len(raw) > self.max_bytes:
            raise ValueError(f"revocation feed sent more than {self.max_bytes} bytes")
        body = json.loads(raw)
        # An app 1 that predates key withdrawal sends no withdrawnKeys: none are withdrawn.
        if not (isinstance(body, dict) and isinstance(body.get("revocations"), list)
                and _is_whole_number(body.get("cursor"))
                and isinstance(body.get("withdrawnKeys", []), list)):
            raise ValueError("revocation feed sent an unexpected body")
        entries: dict[str, float] = {}
        for r in body["revocations"]:
            if isinstance(r, dict) and isinstance(r.get("sid"), str) and _is_number(r.get("expiresAt")):
                entries[r["sid"]] = r["expiresAt"]
        withdrawn: dict[str, float] = {}
        for w in body.get("withdrawnKeys", []):
            if isinstance(w, dict) and isinstance(w.get("kid"), str) and _is_number(w.get("expiresAt")):
                withdrawn[w["kid"]] = w["expiresAt"]
        # Account deletions (ADR 034), keyed by (iss, sub); an app 1 that predates them sends none.
        deletions: list[tuple[str, str]] = []
        raw_deletions = body.get("deletions", [])
        for d in raw_deletions if isinstance(raw_deletions, list) else []:
            if isinstance(d, dict) and isinstance(d.get("iss"), str) and isinstance(d.get("sub"), str) and d["sub"]:
                deletions.append((d["iss"], d["sub"]))
        return entries, int(body["cursor"]), withdrawn, deletions

    def _prune(self) -> None:
        now_ms = self.clock() * 1000
        with self._lock:
            for sid in [sid for sid, expires_at in self._revoked.items() if expires_at <= now_ms]:
                del self._revoked[sid]
            for kid in [kid for kid, expires_at in self._withdrawn.items() if expires_at <= now_ms]:
                del self._withdrawn[kid]

    def _tell_keys_withdrawn(self, withdrawn: Mapping[str, float]) -> None:
        """Passes the kids this poll lists for the first time (and still alive) to on_keys_withdrawn."""
        now_ms = self.clock() * 1000
        with self._lock:
            fresh = [kid for kid, expires_at in withdrawn.items() if kid not in self._withdrawn and expires_at > now_ms]
        if fresh and self.on_keys_withdrawn is not None:
            try:
                self.on_keys_withdrawn(fresh)
            except Exception as err:  # noqa: BLE001 - refusing the key's tokens below matters more
                print(f"{SERVICE}: could not act on withdrawn key(s) {fresh}: {err}", file=sys.stderr)

    def sync(self) -> None:
        """Polls once now; on failure the last copy stays and the error is raised."""
        with self._poll_lock:
            try:
                entries, cursor, withdrawn, deletions = self._fetch(self._cursor)
                # Told before the withdrawal is published: by the time a request sees
                # the old key refused, the key set is already fetching its replacement.
                self._tell_keys_withdrawn(withdrawn)
                with self._lock:
                    self._revoked.update(entries)
                    self._withdrawn.update(withdrawn)
                # Deleted accounts: delete the local user. A failure raises before the
                # cursor moves, so the same entries come again next poll (at least once).
                if self.on_account_deleted is not None:
                    for iss, sub in deletions:
                        if self.issuer is None or iss == self.issuer:
                            self.on_account_deleted(iss, sub)
                self._cursor = cursor
                self._last_sync = self.clock()
            finally:
                self._prune()  # an expired entry matches no live token, whether app 1 answered or not

    def _sync_quietly(self) -> None:
        try:
            self.sync()
        except Exception as err:  # noqa: BLE001 - the last copy keeps being used; never crash
            now = time.monotonic()
            if not self._failing or now - self._last_warning >= REVOCATION_WARNING_EVERY_SECONDS:
                with self._lock:
                    kept = len(self._revoked)
                print(f"{SERVICE}: revocation feed poll of {self.url} failed (keeping the last copy, "
                      f"{kept} revoked session(s)): {err}", file=sys.stderr)
                self._last_warning = now
            self._failing = True
            return
        if self._failing:
            print(f"{SERVICE}: revocation feed at {self.url} answers again", file=sys.stderr)
            self._failing = False

    def _run(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            try:
                self._sync_quietly()
            except Exception:  # noqa: BLE001 - even a failed warning must not end the polling
                pass

    def start(self) -> None:
        """Polls once now (a failure is only logged), then every interval in a daemon thread."""
        if self._thread is not None:
            return
        self._sync_quietly()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(self._stop,), name="revocation-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        self._stop = None
        self._thread = None


# --- token verification -----------------------------------------------------


class Rejected(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code  # "UNAUTHENTICATED" or "SESSION_EXPIRED"
        self.reason = reason


def read_cookie(cookie_header: Optional[str], name: str) -> Optional[str]:
    """The one value sent for `name`; None if absent. Raises if sent twice with different values.

    Same parsing as bff/session's readAll(): a sibling subdomain can plant a
    same-named cookie (say with a narrower Path) that arrives as a second entry.
    Every pair is read, however many come first: a cap would let a second copy
    hide behind junk pairs. The server already bounds the header (64 KiB a line).
    """
    if not cookie_header:
        return None
    values = []
    for part in cookie_header.split(";"):
        eq = part.find("=")
        if eq == -1 or part[:eq].strip() != name:
            continue
        value = part[eq + 1:].strip()
        if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
            value = value[1:-1]
        values.append(value)
    if not values:
        return None
    if any(v != values[0] for v in values):
        raise Rejected("UNAUTHENTICATED", "session cookie sent twice with different values")
    return values[0]


def _is_number(value: Any) -> bool:
    # bool is an int in Python; JSON true is not a timestamp. NaN/Infinity parse in Python's json.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_group_list(value: Any) -> bool:
    """The `groups` claim: at most 32 names of 1 to 64 characters (as the Node kit checks)."""
    return (isinstance(value, list) and len(value) <= MAX_TOKEN_GROUPS
            and all(isinstance(g, str) and 0 < len(g) <= MAX_GROUP_LENGTH for g in value))


def _is_nullable_string(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _is_canonical_base64url(segment: str) -> bool:
    """True when `segment` is the only base64url spelling (unpadded) of the bytes it decodes to.

    urlsafe_b64decode (and so PyJWT) ignores the unused low bits of the last
    character, so one token would have several spellings that all verify: each
    a different cookie value, a different cache or replay key. bff/session
    refuses them too (isCanonicalBase64url). A length of 1 mod 4 encodes no bytes.
    """
    if len(segment) % 4 == 1:
        return False
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return False
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") == segment


class TokenVerifier:
    def __init__(self, config: Config, keys: Optional[RemoteKeySet],
                 clock: Callable[[], float] = time.time,
                 is_revoked: Callable[[str], bool] = lambda _sid: False,
                 is_key_withdrawn: Callable[[str], bool] = lambda _kid: False) -> None:
        self.config = config
        self.keys = keys
        self.clock = clock
        self.is_revoked = is_revoked
        self.is_key_withdrawn = is_key_withdrawn

    def verify(self, token: str) -> dict[str, Any]:
        """The verified claims, or raises Rejected / KeysUnavailable."""
        if len(token) > MAX_TOKEN_LENGTH or not COMPACT_JWS.match(token):
            raise Rejected("UNAUTHENTICATED", "not a compact JWS")
        if not all(_is_canonical_base64url(segment) for segment in token.split(".")):
            raise Rejected("UNAUTHENTICATED", "non-canonical base64url")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.exceptions.PyJWTError as err:
            raise Rejected("UNAUTHENTICATED", f"bad header: {err}") from None
        # Pinned: the header's alg never chooses the algorithm (`none`, and HS256
        # "signed" with the public key, are refused). PyJWT checks it again below.
        if header.get("alg") != self.config.alg:
            raise Rejected("UNAUTHENTICATED", "unexpected alg")
        if header.get("typ") != TOKEN_TYPE:
            raise Rejected("UNAUTHENTICATED", "unexpected typ")
        # A key app 1 withdrew (it leaked, say): anyone may hold it, so whatever its
        # tokens claim they are refused, even while our copy of the JWKS still has it.
        kid = header.get("kid")
        if isinstance(kid, str) and self.is_key_withdrawn(kid):
            raise Rejected("UNAUTHENTICATED", "signing key withdrawn")

        if self.config.alg == "EdDSA":
            if not isinstance(kid, str) or not kid or len(kid) > 256:
                raise Rejected("UNAUTHENTICATED", "no kid")
            assert self.keys is not None
            key: Any = self.keys.get_key(kid)  # may raise KeysUnavailable
            if key is None:
                raise Rejected("UNAUTHENTICATED", "unknown kid")
        else:
            key = self.config.hs256_secret

        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[self.config.alg],
                audience=self.config.audience,
                issuer=self.config.issuer,
                # Time claims are checked below: PyJWT 2.6 raises TypeError (not a
                # PyJWTError) on a non-numeric iat/exp, and has no maximum token age.
                options={
                    "require": REQUIRED_CLAIMS,
                    "verify_signature": True,
                    "verify_aud": True,
                    "verify_iss": True,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.exceptions.PyJWTError as err:
            raise Rejected("UNAUTHENTICATED", type(err).__name__) from None

        if not (isinstance(claims.get("sub"), str) and claims["sub"]
                and isinstance(claims.get("sid"), str) and claims["sid"]
                and isinstance(claims.get("jti"), str)
                and isinstance(claims.get("preferred_username"), str)
                and _is_nullable_string(claims.get("email"))
                and (claims.get("email_verified") is None or isinstance(claims.get("email_verified"), bool))
                and _is_nullable_string(claims.get("name"))
                and _is_group_list(claims.get("groups", []))):
            raise Rejected("UNAUTHENTICATED", "claims have the wrong types")
        # email_verified (ADR 030): true only with an address; absent from older tokens, read as false.
        claims["email_verified"] = claims.get("email") is not None and claims.get("email_verified") is True

        iat, exp, nbf = claims.get("iat"), claims.get("exp"), claims.get("nbf")
        if not _is_number(iat) or not _is_number(exp) or (nbf is not None and not _is_number(nbf)):
            raise Rejected("UNAUTHENTICATED", "time claims are not numbers")
        now = math.floor(self.clock())
        leeway = CLOCK_TOLERANCE_SECONDS
        if iat > now + leeway:
            raise Rejected("UNAUTHENTICATED", "iat is in the future")
        if nbf is not None and nbf > now + leeway:
            raise Rejected("UNAUTHENTICATED", "not valid yet")
        # Expired, or kept past its natural life: the signature and every other
        # claim checked out, so the browser only needs a fresh token.
        if exp <= now - leeway:
            raise Rejected("SESSION_EXPIRED", "token expired")
        if now - iat - leeway > self.config.token_ttl:
            raise Rejected("SESSION_EXPIRED", "token too old")
        # Signed by app 1 and alive, but its session was signed out (ADR 003).
        if self.is_revoked(claims["sid"]):
            raise Rejected("UNAUTHENTICATED", "session revoked")
        return claims


# --- local users ------------------------------------------------------------

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  iss TEXT NOT NULL,
  sub TEXT NOT NULL,
  username TEXT NOT NULL,
  email TEXT,
  email_verified INTEGER NOT NULL DEFAULT 0,
  name TEXT,
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  UNIQUE (iss, sub)
)
"""

UPSERT = """
INSERT INTO users (id, iss, sub, username, email, email_verified, name, created_at, last_seen_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (iss, sub) DO UPDATE SET
  username = excluded.username,
  email = excluded.email,
  email_verified = excluded.email_verified,
  name = excluded.name,
  last_seen_at = excluded.last_seen_at
RETURNING id, sub, username, email, email_verified, name, created_at, last_seen_at
"""


def iso_now() -> str:
    """2026-01-01T00:00:00.000Z, like JavaScript's Date#toISOString()."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class UserStore:
    def __init__(self, path: str) -> None:
        self.path = path
        parent = os.path.dirname(path)
        if path != ":memory:" and parent:
            os.makedirs(parent, mode=0o700, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(SCHEMA)
            # A database made before email_verified existed (ADR 030) gains the column.
            columns = {row[1] for row in conn.execute("PRAGMA table_info(users)")}
            if "email_verified" not in columns:
                conn.execute("ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0")

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=5)
        conn.execute("PRAGMA busy_timeout = 5000")
        return conn

    def upsert(self, claims: Mapping[str, Any]) -> dict[str, Any]:
        """Just-in-time provisioning keyed by (iss, sub), never by username. One statement: race-free."""
        at = iso_now()
        conn = self._connect()
        try:
            with conn:
                row = conn.execute(UPSERT, (
                    f"lu_{secrets.token_urlsafe(12)}", claims["iss"], claims["sub"], claims["preferred_username"],
                    claims.get("email"), 1 if claims.get("email_verified") is True else 0, claims.get("name"), at, at,
                )).fetchone()
        finally:
            conn.close()
        id_, sub, username, email, email_verified, name, created_at, last_seen_at = row
        return {"id": id_, "sub": sub, "username": username, "email": email, "emailVerified": bool(email_verified),
                "name": name, "createdAt": created_at, "lastSeenAt": last_seen_at}

    def delete(self, iss: str, sub: str) -> bool:
        """Deletes the local user of (iss, sub), if any: app 1 deleted the account. Idempotent."""
        conn = self._connect()
        try:
            with conn:
                deleted = conn.execute("DELETE FROM users WHERE iss = ? AND sub = ?", (iss, sub)).rowcount
        finally:
            conn.close()
        if deleted:
            print(f"{SERVICE}: deleted the local user of {sub} (the account was deleted at {iss})", file=sys.stderr)
        return deleted > 0


# --- HTTP -------------------------------------------------------------------

TITLES = {
    "UNAUTHENTICATED": "You are not signed in",
    "SESSION_EXPIRED": "Your session token has expired",
    "STEP_UP_REQUIRED": "Confirm it is you with your second factor",
    "IDENTITY_UNAVAILABLE": "The identity service cannot be reached",
    "STORE_UNAVAILABLE": "Storage is unavailable",
    "NOT_FOUND": "Not found",
    "FORBIDDEN": "Your account may not do this",
    "ACCESS_DENIED": "You may not open this page",
    "INTERNAL": "Something went wrong on our side",
}


def problem(status: int, code: str, detail: Optional[str] = None, **extra: Any) -> Response:
    """An RFC 9457 problem document, shaped like the Node BFFs' (shared/types ProblemSchema)."""
    body: dict[str, Any] = {
        "type": f"https://sso.dev/problems/{code.lower().replace('_', '-')}",
        "title": TITLES[code],
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    res = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    res.headers["Cache-Control"] = "no-store"
    return res


def is_page_navigation(req: Request) -> bool:
    """True for a browser loading a page (not fetch/XHR), as the Node kit's isPageNavigation().

    `Sec-Fetch-Mode` says so where the browser sends it; without it, a GET
    whose Accept prefers HTML. A tie (`*/*`, no Accept at all) goes to JSON:
    a script must get a 401 it can act on, never a redirect to a sign-in page.
    """
    if req.method not in ("GET", "HEAD"):
        return False
    mode = req.headers.get("Sec-Fetch-Mode")
    if mode is not None:
        return mode == "navigate"
    return req.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def login_redirect_url(login_url: str, return_to: str) -> str:
    """`<login_url>?returnTo=<return_to>`, as the Node kit's loginRedirectUrl()."""
    return f"{login_url}?{urllib.parse.urlencode({'returnTo': return_to})}"


def this_page(config: Config, req: Request) -> str:
    """This request's URL at the configured origin, for returnTo."""
    # The configured origin, never the Host header: behind a proxy Host is
    # 127.0.0.1:<port>, and a client must not choose where it is sent back to.
    path = urllib.parse.quote(req.path, safe="/!$&'()*+,;=:@-._~")
    query = urllib.parse.quote(req.query_string, safe="/?!$&'()*+,;=:@%-._~")
    return config.public_origin + path + (f"?{query}" if query else "")


def step_up_reason(claims: Mapping[str, Any], max_age: int, now: float) -> Optional[str]:
    """Why these claims fall short of a second factor proved within `max_age` seconds, or None (the Node kit's stepUpReason)."""
    amr = claims.get("amr")
    if not isinstance(amr, list) or "mfa" not in amr:
        return "no second factor in this session"
    auth_time = claims.get("auth_time")
    # A token without auth_time cannot show it is recent enough.
    if not _is_number(auth_time) or now - auth_time > max_age:
        return f"authenticated more than {max_age} s ago"
    return None


def step_up_redirect_url(config: Config, return_to: Optional[str]) -> str:
    """App 1's step-up page with max_age (and returnTo), as the Node kit's stepUpRedirectUrl()."""
    params = {"returnTo": return_to} if return_to is not None else {}
    params["max_age"] = str(config.step_up_max_age)
    return f"{config.step_up_url}?{urllib.parse.urlencode(params)}"


def login_redirect(config: Config, req: Request, *, step_up: bool = False) -> Response:
    """303 to app 1's sign-in page (renews silently while the session lives) or, `step_up`, its step-up page; both come back here."""
    return_to = this_page(config, req)
    res = Response(status=303)
    res.headers["Location"] = step_up_redirect_url(config, return_to) if step_up else login_redirect_url(config.login_url, return_to)
    # A redirect that depends on the cookies: no cache may replay it after the token is renewed.
    res.headers["Cache-Control"] = "no-store"
    return res


PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Python relying app</title></head>
<body>
<h1>Hello, {display}</h1>
<p>Signed in as <strong>{username}</strong> (local id <code>{id}</code>) through <a href="{account}">the identity app</a>.</p>
</body>
</html>
"""


SECURITY_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Security settings</title></head>
<body>
<h1>Security settings</h1>
<p>Signed in as <strong>{username}</strong> with a second factor ({amr}), proved recently.</p>
</body>
</html>
"""


def page(config: Config, user: Mapping[str, Any]) -> Response:
    """The signed-in page. Every value is escaped: username and name are whatever the user typed at app 1."""
    res = Response(PAGE.format(
        display=html.escape(user["name"] or user["username"]),
        username=html.escape(user["username"]),
        id=html.escape(user["id"]),
        account=html.escape(f"{config.issuer}/account"),
    ), mimetype="text/html")
    res.headers["Cache-Control"] = "no-store"  # one person's page
    res.headers["Content-Security-Policy"] = "default-src 'none'"  # no script runs here, even if escaping were missed
    return res


def revocation_feed(config: Config, keys: Optional[RemoteKeySet], store: Optional[UserStore] = None) -> RevocationFeed:
    """App 1's feed, told to drop a withdrawn key from `keys` and refetch the JWKS (as createRelyingParty does),
    and to delete the local user of an account app 1 deleted."""
    return RevocationFeed(config.revocations_url, interval=config.revocation_poll_ms / 1000,
                          on_keys_withdrawn=keys.forget if keys is not None else None,
                          issuer=config.issuer,
                          on_account_deleted=(lambda iss, sub: store.delete(iss, sub)) if store is not None else None)


def create_app(config: Config, *, keys: Optional[RemoteKeySet] = None, store: Optional[UserStore] = None,
               revocations: Optional[RevocationFeed] = None) -> Flask:
    """The Flask app. Without `revocations`, it creates app 1's revocation feed and starts polling it."""
    if config.alg == "EdDSA" and keys is None:
        keys = RemoteKeySet(config.jwks_url)
    users = store or UserStore(config.database)
    if revocations is None:
        revocations = revocation_feed(config, keys, users)
        revocations.start()
    verifier = TokenVerifier(config, keys, is_revoked=revocations.is_revoked,
                             is_key_withdrawn=revocations.is_key_withdrawn)
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz() -> Response:
        return Response(json.dumps({"status": "ok"}), mimetype="application/json")

    def authenticate() -> dict[str, Any]:
        """This request's verified claims; raises Rejected (missing, bad, expired, revoked) or KeysUnavailable."""
        try:
            token = read_cookie(request.headers.get("Cookie"), config.cookie_name)
            if token is None:
                raise Rejected("UNAUTHENTICATED", "no session cookie")
            return verifier.verify(token)
        except (Rejected, KeysUnavailable):
            raise
        except Exception as err:  # noqa: BLE001 - a bad cookie is a 401, never a 500
            app.logger.warning("token refused by an unexpected error: %s", type(err).__name__)
            raise Rejected("UNAUTHENTICATED", type(err).__name__) from None

    def refused(err: Rejected) -> Response:
        detail = ("Your session token expired; refresh it at the identity app." if err.code == "SESSION_EXPIRED"
                  else "Sign in at the identity app.")
        return problem(401, err.code, detail, loginUrl=config.login_url)

    def identity_unavailable() -> Response:
        return problem(503, "IDENTITY_UNAVAILABLE",
                       "The identity app cannot be reached to verify your session. Try again shortly.")

    def api_session(handler: Callable[[dict[str, Any]], Response]) -> Callable[[], Response]:
        """An API route given this request's verified claims; without them, always a 401 with a code
        (the caller renews at loginUrl) or 503, never a redirect."""
        @functools.wraps(handler)
        def route() -> Response:
            try:
                claims = authenticate()
            except Rejected as err:
                return refused(err)
            except KeysUnavailable:
                return identity_unavailable()
            return handler(claims)
        return route

    def private_json(body: Any) -> Response:
        """A JSON answer for one person: never cached."""
        res = Response(json.dumps(body), mimetype="application/json")
        res.headers["Cache-Control"] = "no-store"
        return res

    def provision(claims: Mapping[str, Any]) -> Optional[dict[str, Any]]:
        """The local user for these claims; None (logged) when the store fails."""
        try:
            return users.upsert(claims)
        except sqlite3.Error as err:
            app.logger.error("store failed: %s", err)
            return None

    @app.get("/")
    def home() -> Response:
        try:
            claims = authenticate()
        except Rejected as err:
            # Every refusal is one app 1 can repair: it renews the token while the
            # session lives, else shows its form. No loop if we keep refusing a
            # fresh token (say a wrong SSO_AUDIENCE): app 1 then shows the form too.
            if is_page_navigation(request):
                return login_redirect(config, request)
            return refused(err)  # fetch/XHR: a code to act on, never a redirect
        except KeysUnavailable:
            return identity_unavailable()  # renewing would not help: app 1 is not answering
        user = provision(claims)
        if user is None:
            return problem(503, "STORE_UNAVAILABLE")
        return page(config, user)

    @app.get("/api/me")
    @api_session
    def me(claims: dict[str, Any]) -> Response:
        user = provision(claims)
        if user is None:
            return problem(503, "STORE_UNAVAILABLE")
        expires = datetime.fromtimestamp(claims["exp"], tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return private_json({"user": user, "groups": claims.get("groups", []), "tokenExpiresAt": expires})

    @app.get("/api/admin")
    @api_session
    def admin_only(claims: dict[str, Any]) -> Response:
        # One route that needs a group, as the Node kit's requireSession({ groups }):
        # a valid session outside it is 403 FORBIDDEN (signing in again would not help).
        if config.admin_group not in claims.get("groups", []):
            return problem(403, "FORBIDDEN", f"Your account is not in the {config.admin_group} group.")
        return private_json({"ok": True, "group": config.admin_group})

    @app.get("/api/contact-address")
    @api_session
    def contact_address(claims: dict[str, Any]) -> Response:
        # A route that needs a confirmed address (it would mail the person): the
        # token's email_verified, checked like any other claim (ADR 030).
        if not claims["email_verified"]:
            return problem(403, "ACCESS_DENIED", "Confirm your email address at the identity app first.",
                           verifyUrl=f"{config.issuer}/account")
        return private_json({"email": claims["email"]})

    def step_up_required(claims: Mapping[str, Any]) -> Optional[str]:
        return step_up_reason(claims, config.step_up_max_age, time.time())

    @app.get("/security")
    def security_page() -> Response:
        # A page that needs a second factor, proved recently (ADR 032).
        try:
            claims = authenticate()
        except Rejected as err:
            return login_redirect(config, request) if is_page_navigation(request) else refused(err)
        except KeysUnavailable:
            return identity_unavailable()
        if step_up_required(claims) is not None:
            if is_page_navigation(request):
                return login_redirect(config, request, step_up=True)  # the second factor only, then back here
            return problem(401, "STEP_UP_REQUIRED", "This page needs a second factor, proved recently. Confirm it at the identity app.",
                           loginUrl=config.login_url, stepUpUrl=step_up_redirect_url(config, None))
        res = Response(SECURITY_PAGE.format(
            username=html.escape(claims["preferred_username"]),
            amr=html.escape(", ".join(str(m) for m in claims["amr"])),
        ), mimetype="text/html")
        res.headers["Cache-Control"] = "no-store"
        res.headers["Content-Security-Policy"] = "default-src 'none'"
        return res

    @app.get("/api/security")
    @api_session
    def security_api(claims: dict[str, Any]) -> Response:
        if step_up_required(claims) is not None:
            return problem(401, "STEP_UP_REQUIRED", "This page needs a second factor, proved recently. Confirm it at the identity app.",
                           loginUrl=config.login_url, stepUpUrl=step_up_redirect_url(config, None))
        return private_json({"username": claims["preferred_username"], "amr": claims["amr"], "authTime": claims["auth_time"]})

    @app.errorhandler(404)
    @app.errorhandler(405)
    def not_found(_err: Exception) -> Response:
        return problem(404, "NOT_FOUND")

    @app.errorhandler(500)
    def internal(_err: Exception) -> Response:
        return problem(500, "INTERNAL")

    return app


def main() -> None:
    try:
        config = load_config(os.environ)
        store = UserStore(config.database)
    except ConfigError as err:
        sys.exit(f"{SERVICE} cannot start: {err}")
    except sqlite3.Error as err:
        sys.exit(f"{SERVICE} cannot start: DATABASE={config.database!r} cannot be opened: {err}")
    keys = RemoteKeySet(config.jwks_url) if config.alg == "EdDSA" else None
    if keys is not None:
        # Warm the cache; failing here is fine (the first request retries).
        threading.Thread(target=keys._refresh_quietly, daemon=True).start()
    # Learn the revoked sessions and withdrawn keys before serving: one poll now
    # (a failure is only logged), then one every SSO_REVOCATION_POLL_MS in a daemon thread.
    revocations = revocation_feed(config, keys, store)
    revocations.start()
    app = create_app(config, keys=keys, store=store, revocations=revocations)
    # The public origin is where a browser gets the cookie; 127.0.0.1 never does.
    print(f"{SERVICE} ({config.alg}): open {config.public_origin}/ (listening on {config.host}:{config.port}, "
          f"issuer {config.issuer}, users in {config.database})", file=sys.stderr)
    app.run(host=config.host, port=config.port, threaded=True, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
