"""Login for the app when it serves other machines (streamlit-authenticator; no own session code).

Policy (README "Security and data safety"):

* By default the app listens on this machine only (`.streamlit/config.toml`: server.address =
  "localhost"); then no login is needed.
* Any other address (``madoguchi app --address 0.0.0.0``, a config change, or
  ``streamlit run app.py --server.address ...``), or ``madoguchi app --login`` (environment
  ``MADOGUCHI_LOGIN=1``), turns the login on. `madoguchi app` refuses to start without a
  credentials file (exit 2); the app itself shows nothing but a refusal if started another way.
* Users are added with ``madoguchi app users add NAME`` (password prompted, or one line on
  stdin). The credentials file holds bcrypt hashes only (streamlit-authenticator's `Hasher`);
  a plain password in it is refused. The cookie key (signs the re-login cookie, a JWT made by
  streamlit-authenticator) is a random file beside it. Both live outside the project (and git):
  ``$MADOGUCHI_AUTH_DIR``, default ``$XDG_CONFIG_HOME/madoguchi`` (``~/.config/madoguchi``),
  folder mode 0700, files 0600.

The file half (paths, users, loopback check) has no Streamlit import, so the CLI uses it too.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.errors import MadoguchiError, ParameterError

USERS_FILE = "users.yaml"
COOKIE_KEY_FILE = "cookie.key"
COOKIE_NAME = "madoguchi_login"
COOKIE_EXPIRY_DAYS = 1.0  # a shared office machine: log in again every day
MIN_PASSWORD_LEN = 8
LOGIN_ENV = "MADOGUCHI_LOGIN"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


# ----------------------------------------------------------------------------- files


def auth_dir() -> Path:
    """Folder of the credentials and cookie key: $MADOGUCHI_AUTH_DIR, else $XDG_CONFIG_HOME/madoguchi
    (default ~/.config/madoguchi). Outside the project folder, so never in git."""
    env = os.environ.get("MADOGUCHI_AUTH_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "madoguchi"


def users_path() -> Path:
    """The credentials file (streamlit-authenticator's `credentials` layout, bcrypt hashes)."""
    return auth_dir() / USERS_FILE


def _private_dir() -> Path:
    d = auth_dir()
    try:
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(d, 0o700)
    except OSError as e:
        raise MadoguchiError(
            "ログイン設定のフォルダを作れません。", f"cannot create the login settings folder ({e.strerror})", path=d
        ) from None
    return d


def _write_private(path: Path, text: str) -> None:
    """Atomic write (geo.atomic), then owner-only permissions."""
    from geo.atomic import write_text_atomic

    try:
        write_text_atomic(path, text)
        os.chmod(path, 0o600)
    except OSError as e:
        raise MadoguchiError(
            "ログイン設定を書き込めません。", f"cannot write the login settings ({e.strerror})", path=path
        ) from None


def read_users() -> dict[str, dict[str, Any]]:
    """Users of the credentials file: {username: {"name", "password" (bcrypt hash)}}; {} if no file.

    Raises
    ------
    MadoguchiError
        The file is unreadable, not the expected layout, or holds a password that is not a bcrypt
        hash (plain passwords are never accepted).
    """
    import yaml

    p = users_path()
    if not p.exists():
        return {}
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise MadoguchiError(
            "ログインの利用者ファイルを読めません。", f"cannot read the login users file ({type(e).__name__})", path=p
        ) from None
    users = ((data.get("credentials") or {}).get("usernames") if isinstance(data, dict) else None) or {}
    if not isinstance(users, dict):
        raise MadoguchiError(
            "ログインの利用者ファイルの形式が違います（credentials.usernames）。",
            "the login users file is not in the expected layout (credentials.usernames)",
            path=p,
        )
    out: dict[str, dict[str, Any]] = {}
    for name, rec in users.items():
        pw = rec.get("password") if isinstance(rec, dict) else None
        if not isinstance(pw, str) or not is_bcrypt_hash(pw):
            raise MadoguchiError(
                f"利用者 {name} のパスワードが bcrypt ハッシュではありません。`madoguchi app users add {name}` で設定し直してください。",
                f"user {name}: the password is not a bcrypt hash; set it again with `madoguchi app users add {name}`",
                path=p,
            )
        out[str(name).lower()] = {"name": str(rec.get("name") or name), "password": pw}
    return out


def _write_users(users: dict[str, dict[str, Any]]) -> None:
    import yaml

    _private_dir()
    body = {"credentials": {"usernames": {k: {"name": v["name"], "password": v["password"]} for k, v in users.items()}}}
    head = "# Madoguchi login users (bcrypt hashes only; edit with `madoguchi app users add|remove`)\n"
    _write_private(users_path(), head + yaml.safe_dump(body, allow_unicode=True, sort_keys=True))


_BCRYPT = re.compile(r"^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$")


def hash_password(password: str) -> str:
    """bcrypt hash of a password, exactly as `streamlit_authenticator.Hasher.hash` makes it
    (bcrypt directly, so the command line does not import Streamlit)."""
    import bcrypt

    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def is_bcrypt_hash(text: str) -> bool:
    """True for a bcrypt hash (the form `streamlit_authenticator.Hasher.is_hash` accepts)."""
    return bool(_BCRYPT.match(text))


def check_username(name: str) -> str:
    """The user name as stored (lower case); ParameterError unless 1-64 of a-z 0-9 . _ -."""
    n = str(name).strip().lower()
    if not _USERNAME.match(n):
        raise ParameterError(
            "利用者名は半角英数字と . _ - の 1〜64 文字にしてください。",
            "a user name is 1-64 characters of a-z, 0-9, '.', '_', '-'",
            path=str(name),
        )
    return n


def check_password(password: str) -> None:
    """ParameterError for a password the login form could not match or that is too short."""
    if password != password.strip():
        raise ParameterError("パスワードの先頭と末尾に空白は使えません。", "a password cannot start or end with spaces")
    if len(password) < MIN_PASSWORD_LEN:
        raise ParameterError(
            f"パスワードは {MIN_PASSWORD_LEN} 文字以上にしてください。",
            f"a password needs at least {MIN_PASSWORD_LEN} characters",
        )
    if len(password.encode()) > 72:  # bcrypt uses 72 bytes at most
        raise ParameterError("パスワードは 72 バイト以内にしてください。", "a password can have at most 72 bytes")


def add_user(name: str, password: str, display_name: str | None = None) -> str:
    """Add a user (or set a new password): bcrypt hash written atomically; never the password.

    Parameters
    ----------
    name : str
        Login name (stored lower case).
    password : str
        The password (at least `MIN_PASSWORD_LEN` characters, no surrounding spaces).
    display_name : str, optional
        Name shown after login (default: the login name).

    Returns
    -------
    str
        The stored login name.
    """
    n = check_username(name)
    check_password(password)
    users = read_users()
    users[n] = {"name": (display_name or "").strip() or n, "password": hash_password(password)}
    _write_users(users)
    cookie_key()  # make the key now, so the app never starts without one
    return n


def remove_user(name: str) -> bool:
    """Remove a user; True if it was there."""
    n = check_username(name)
    users = read_users()
    if n not in users:
        return False
    del users[n]
    _write_users(users)
    return True


def cookie_key(create: bool = True) -> str | None:
    """The secret that signs the re-login cookie: a random 256-bit key in `auth_dir()/cookie.key`,
    created on first use (owner-only file)."""
    p = auth_dir() / COOKIE_KEY_FILE
    try:
        key = p.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError) as e:
        raise MadoguchiError(
            "ログインの鍵ファイルを読めません。", f"cannot read the login key file ({type(e).__name__})", path=p
        ) from None
    if not create:
        return None
    _private_dir()
    key = secrets.token_urlsafe(32)
    _write_private(p, key + "\n")
    return key


# ----------------------------------------------------------------------------- when is a login needed


def is_loopback(address: str | None) -> bool:
    """True if a server bound to `address` is reachable from this machine only.

    None or "" (Streamlit then listens on every interface), 0.0.0.0 and :: are not; "localhost",
    127.x.x.x, ::1 and a Unix socket are. A host name counts only if every address it resolves
    to is a loopback address.
    """
    a = (address or "").strip()
    if not a:
        return False
    if a.startswith("unix://"):
        return True
    if a.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(a.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(a, None)
    except OSError:
        return False
    ips = {str(i[4][0]) for i in infos}
    return bool(ips) and all(ipaddress.ip_address(ip.split("%")[0]).is_loopback for ip in ips)


def login_forced() -> bool:
    """True if the environment asks for a login even on localhost (`madoguchi app --login`)."""
    return os.environ.get(LOGIN_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def login_required(address: str | None) -> bool:
    """A login is needed when the server is reachable from other machines, or when forced."""
    return login_forced() or not is_loopback(address)


def require_credentials(address: str | None) -> None:
    """Refuse (MadoguchiError, exit 2 in the CLI) to serve `address` with a login but no users."""
    users = read_users()
    if not users:
        where = f"--address {address}" if address else "server.address（未設定: 全インターフェース）"
        raise MadoguchiError(
            f"{where} では他のコンピュータから接続できるためログインが必要ですが、利用者がいません。"
            "先に `madoguchi app users add 名前` を実行してください。",
            f"{'--address ' + address if address else 'no server.address (every interface)'} lets other machines "
            "connect, which needs a login, but there are no users: run `madoguchi app users add NAME` first",
            path=users_path(),
        )
    cookie_key()


# ----------------------------------------------------------------------------- the app's gate (Streamlit)


def server_address() -> str | None:
    """The address this Streamlit server listens on (None = every interface)."""
    import streamlit as st

    try:
        v = st.get_option("server.address")
    except (RuntimeError, KeyError):
        return None
    return str(v) if v else None


def gate(lang: Callable[[], str] | str = "ja", language_picker: Callable[[], None] | None = None) -> None:
    """Call first on every page. Without a required login it does nothing; otherwise it shows the
    login form (streamlit-authenticator) and stops the page until the user is logged in, and puts
    the user's name and a logout button in the sidebar afterwards. If the login is required but
    there are no users, it stops with a message: no page content is shown.

    Parameters
    ----------
    lang : callable or str
        The screen's language ('ja'/'en'), or a function giving it (read after `language_picker`).
    language_picker : callable, optional
        Draws the language switch; shown above the login form too.
    """
    import streamlit as st

    from madoguchi.i18n import t

    if not login_required(server_address()):
        return
    logged_in = bool(st.session_state.get("authentication_status"))
    if not logged_in and language_picker is not None:
        language_picker()
    lang = lang() if callable(lang) else lang
    try:
        users = read_users()
        key = cookie_key(create=False)
    except MadoguchiError as e:
        st.error(e.message(lang))
        st.stop()
    if not users or not key:
        st.error(t("login_no_users", lang))
        st.stop()
    from streamlit_authenticator import Authenticate

    if logged_in and str(st.session_state.get("username") or "") not in users:
        # removed (`madoguchi app users remove`) while logged in: the session ends now
        for k in ("authentication_status", "username", "name"):
            st.session_state[k] = None
    auth = Authenticate({"usernames": users}, COOKIE_NAME, key, COOKIE_EXPIRY_DAYS, auto_hash=False)
    if st.session_state.get("authentication_status"):
        if st.session_state.pop("_auth_set_cookie", False):
            auth.cookie_controller.set_cookie()  # after the login rerun, so the cookie is really sent
        st.sidebar.caption(t("login_as", lang, name=st.session_state.get("name") or ""))
        auth.logout(t("logout", lang), "sidebar", key="madoguchi_logout")
        if not st.session_state.get("authentication_status"):  # just logged out: show nothing more
            st.info(t("logged_out", lang))
            st.stop()
        return
    fields = {
        "Form name": t("login_title", lang),
        "Username": t("login_user", lang),
        "Password": t("login_password", lang),
        "Login": t("login_button", lang),
    }
    try:
        auth.login("main", fields=fields, key="madoguchi_login_form")
    except Exception as e:  # noqa: BLE001  (streamlit-authenticator's LoginError & co: refuse, say why)
        st.error(t("login_failed", lang))
        st.caption(type(e).__name__)
        st.stop()
    if st.session_state.get("authentication_status"):
        st.session_state["_auth_set_cookie"] = True
        st.rerun()
    if st.session_state.get("authentication_status") is False:
        st.error(t("login_failed", lang))
    st.stop()
