"""`madoguchi app`: start the map app (`streamlit run app.py`) on the default region; and
`madoguchi app users add|remove|list` for the login needed when other machines may connect.

By default the app listens on this machine only (server.address of .streamlit/config.toml,
"localhost"). Any other address needs a login: without a users file the command refuses to
start (one line, exit 2). See madoguchi/app/auth.py and README "Security and data safety".
"""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import sys
import tomllib

from core.errors import MadoguchiError, ParameterError
from geo.paths import PROJECT_ROOT

CONFIG = PROJECT_ROOT / ".streamlit" / "config.toml"
WILDCARDS = {"0.0.0.0", "::", "[::]"}


def register(sub) -> None:
    p = sub.add_parser("app", help="地図アプリを起動 / start the map app (streamlit run app.py)")
    p.add_argument("--port", type=int, default=8501, help="ポート番号（既定 8501）")
    p.add_argument(
        "--address",
        default=None,
        help="待ち受けるアドレス（既定: .streamlit/config.toml の localhost = このコンピュータのみ）。"
        "他の値（0.0.0.0 など）はログインが必要 / listen address (default localhost: this machine "
        "only); any other address needs a login (madoguchi app users add NAME)",
    )
    p.add_argument(
        "--login",
        action="store_true",
        help="このコンピュータのみでもログインを求める / ask for a login even on localhost",
    )
    p.add_argument("--print-command", action="store_true", help="起動せずにコマンドを表示する")
    p.set_defaults(func=_run)
    usub = p.add_subparsers(dest="app_command", metavar="users")
    u = usub.add_parser("users", help="ログインの利用者 / login users (bcrypt-hashed, outside the project)")
    uu = u.add_subparsers(dest="users_command", metavar="add|remove|list")
    a = uu.add_parser("add", help="利用者を追加（またはパスワード変更）/ add a user (or set a new password)")
    a.add_argument("name", help="利用者名（半角英数字）/ login name")
    a.add_argument("--display-name", default=None, help="表示名 / name shown after login")
    a.add_argument(
        "--password-stdin",
        action="store_true",
        help="パスワードを標準入力の 1 行から読む / read the password from one line of stdin",
    )
    a.set_defaults(func=_users_add)
    r = uu.add_parser("remove", help="利用者を削除 / remove a user")
    r.add_argument("name")
    r.set_defaults(func=_users_remove)
    ls = uu.add_parser("list", help="利用者の一覧 / list users")
    ls.set_defaults(func=_users_list)
    u.set_defaults(func=_users_list)


def configured_address() -> str | None:
    """server.address of the project's .streamlit/config.toml (None if unset or unreadable)."""
    try:
        cfg = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    v = (cfg.get("server") or {}).get("address")
    return str(v) if v else None


def command(port: int = 8501, address: str | None = None) -> list[str]:
    """The command line that starts the app (the project's .streamlit/config.toml applies).

    The address is always passed explicitly (the given one, else the config's, else localhost),
    so the server never falls back to Streamlit's default of every interface."""
    addr = address or configured_address() or "localhost"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "app.py"),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
    ]
    if addr in WILDCARDS:
        # every interface: name the URL ourselves (this machine's host name) so Streamlit does not
        # look up an "external IP" on the internet at start-up ("Did not auto detect external IP")
        cmd += ["--browser.serverAddress", socket.gethostname()]
    return cmd + ["--server.address", addr]


def _run(args) -> int:
    from madoguchi.app.auth import LOGIN_ENV, is_loopback, login_required, require_credentials

    if not 0 < args.port < 65536:
        raise ParameterError(
            "ポート番号は 1〜65535 にしてください。", "--port must be 1-65535", path=f"--port {args.port}"
        )
    cmd = command(args.port, args.address)
    addr = cmd[-1]
    env = dict(os.environ)
    if args.login:
        env[LOGIN_ENV] = "1"  # the app process reads it (madoguchi.app.auth.login_forced)
    need_login = bool(args.login) or login_required(addr)
    if need_login:
        require_credentials(addr)  # no users: one line, exit 2, nothing started
    if args.print_command:
        print(" ".join(cmd))
        return 0
    host = "localhost" if is_loopback(addr) else (socket.gethostname() if addr in WILDCARDS else addr)
    note = "（ログインが必要です）" if need_login else ""
    print(f"窓口 Madoguchi: http://{host}:{args.port} を開いてください{note}（終了は Ctrl+C）", flush=True)
    os.chdir(PROJECT_ROOT)
    if os.name == "posix":
        # become the server process: a signal to `madoguchi app` stops the server itself
        os.execve(cmd[0], cmd, env)
    try:
        return subprocess.call(cmd, cwd=PROJECT_ROOT, env=env)
    except KeyboardInterrupt:
        return 0


def _read_password() -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        pw = getpass.getpass("パスワード / password: ")
        if getpass.getpass("もう一度 / again: ") != pw:
            raise ParameterError("2 回のパスワードが一致しません。", "the two passwords differ")
        return pw
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


def _users_add(args) -> int:
    from madoguchi.app.auth import add_user, users_path

    if not args.password_stdin and (sys.stdin is None or not sys.stdin.isatty()):
        raise MadoguchiError(
            "パスワードを入力できる端末がありません。--password-stdin で標準入力から渡してください。",
            "no terminal to type a password: pass it on stdin with --password-stdin",
        )
    name = add_user(args.name, _read_password(), args.display_name)
    print(
        f"利用者 {name} を登録しました（bcrypt ハッシュのみ保存）/ user {name} saved (bcrypt hash only): {users_path()}"
    )
    return 0


def _users_remove(args) -> int:
    from madoguchi.app.auth import remove_user

    if not remove_user(args.name):
        raise ParameterError("その利用者はいません。", "no such user", path=args.name)
    print(f"利用者 {args.name} を削除しました / user {args.name} removed")
    return 0


def _users_list(args) -> int:
    from madoguchi.app.auth import read_users, users_path

    users = read_users()
    print(f"# {users_path()}")
    for n, rec in sorted(users.items()):
        print(f"{n}\t{rec['name']}")
    return 0
