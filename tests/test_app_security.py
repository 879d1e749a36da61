"""A shared office server: the app listens on this machine only unless told otherwise, another
address needs a login (streamlit-authenticator, bcrypt-hashed users outside the project), and
start-up is quiet. Real server processes for the listening sockets; AppTest for the login gate."""

from __future__ import annotations

import ipaddress
import os
import socket
import stat
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from geo.paths import PROJECT_ROOT

LOGIN_ONLY = ["ログイン", "言語 / Language"]  # the login form's heading and the language switch, nothing else
PAGES = ["app.py"] + sorted(str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "pages").glob("*.py"))


@pytest.fixture
def auth_dir(tmp_path, monkeypatch):
    d = tmp_path / "auth"
    monkeypatch.setenv("MADOGUCHI_AUTH_DIR", str(d))
    monkeypatch.delenv("MADOGUCHI_LOGIN", raising=False)
    return d


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> list[str]:
    """Local addresses of the LISTEN sockets on `port`, from /proc/net/tcp and tcp6."""
    out = []
    for name, v6 in (("tcp", False), ("tcp6", True)):
        try:
            lines = Path(f"/proc/net/{name}").read_text().splitlines()[1:]
        except OSError:
            continue
        for ln in lines:
            f = ln.split()
            local, st = f[1], f[3]
            hexip, hexport = local.split(":")
            if st != "0A" or int(hexport, 16) != port:  # 0A = LISTEN
                continue
            raw = bytes.fromhex(hexip)
            if v6:  # four little-endian 32-bit words
                raw = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                out.append(str(ipaddress.IPv6Address(raw)))
            else:
                out.append(str(ipaddress.IPv4Address(raw[::-1])))
    return out


def _serve(cmd: list[str], port: int, env: dict, tmp: Path):
    log = open(tmp / f"server-{port}.log", "w")
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    ok = False
    for _ in range(240):
        try:
            ok = urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read().strip() == b"ok"
            if ok:
                break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.25)
    return proc, log, ok


def _stop(proc, log) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    log.close()


def _env(app_env, auth_dir) -> dict:
    env = dict(os.environ)
    env.update({"PYTHONUNBUFFERED": "1", "MADOGUCHI_AUTH_DIR": str(auth_dir)})
    env.pop("MADOGUCHI_LOGIN", None)
    return env


# ----------------------------------------------------------------------------- listening address


def test_config_listens_on_this_machine_only():
    cfg = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["server"]["address"] == "localhost"
    from madoguchi.cli.commands.app import command

    cmd = command(8600)
    assert cmd[cmd.index("--server.address") + 1] == "localhost"
    # scripts/start.sh (the README's first command) starts the app through `madoguchi app`
    start = (PROJECT_ROOT / "scripts" / "start.sh").read_text(encoding="utf-8").strip().splitlines()
    assert start[-1].startswith("exec .venv/bin/madoguchi app")


@pytest.mark.parametrize("how", ["madoguchi app", "streamlit run app.py"])
def test_real_server_binds_loopback_only_and_starts_quietly(how, app_env, auth_dir, tmp_path):
    """Started the README ways without an address, the server's sockets are loopback only, and its
    start-up output has no 'Did not auto detect external IP' noise."""
    port = _free_port()
    if how == "madoguchi app":
        cmd = [sys.executable, "-m", "madoguchi", "app", "--port", str(port)]
    else:
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
        ]
    proc, log, ok = _serve(cmd, port, _env(app_env, auth_dir), tmp_path)
    try:
        assert ok, (tmp_path / f"server-{port}.log").read_text()
        addrs = _listening(port)
        assert addrs, "no listening socket found"
        assert all(ipaddress.ip_address(a).is_loopback for a in addrs), addrs
        assert "0.0.0.0" not in addrs and "::" not in addrs
    finally:
        _stop(proc, log)
    text = (tmp_path / f"server-{port}.log").read_text()
    assert "external IP" not in text and "Network URL" not in text and "External URL" not in text
    assert f"localhost:{port}" in text
    assert "Traceback" not in text


def test_other_address_without_users_is_refused(run_cli, auth_dir):
    for addr in ("0.0.0.0", "::", "192.0.2.10"):
        code, out, err = run_cli("app", "--address", addr, "--print-command")
        assert code == 2 and out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "madoguchi app users add" in lines[0] and "Traceback" not in err
    assert not auth_dir.exists() or not (auth_dir / "users.yaml").exists()
    # --login on this machine needs users too
    code, _out, err = run_cli("app", "--login", "--print-command")
    assert code == 2 and len(err.strip().splitlines()) == 1
    # this machine only: no login needed
    code, out, _err = run_cli("app", "--address", "127.0.0.1", "--print-command")
    assert code == 0 and "--server.address 127.0.0.1" in out


def test_loopback_rules():
    from madoguchi.app.auth import is_loopback, login_required

    for a in ("localhost", "127.0.0.1", "127.0.0.2", "::1", "[::1]", "unix:///tmp/madoguchi.sock"):
        assert is_loopback(a), a
    for a in (None, "", "0.0.0.0", "::", "192.0.2.1", "10.0.0.5"):
        assert not is_loopback(a), a
        assert login_required(a)


# ----------------------------------------------------------------------------- users


def _add(run_cli, monkeypatch, name: str, password: str, *extra: str):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return run_cli("app", "users", "add", name, "--password-stdin", *extra)


def test_users_add_stores_only_a_bcrypt_hash(run_cli, auth_dir, monkeypatch):
    import bcrypt
    import yaml

    code, out, err = _add(run_cli, monkeypatch, "Tanaka", "kaunta-2026!", "--display-name", "田中")
    assert code == 0, err
    f = auth_dir / "users.yaml"
    text = f.read_text(encoding="utf-8")
    assert "kaunta-2026!" not in text
    rec = yaml.safe_load(text)["credentials"]["usernames"]["tanaka"]
    assert rec["name"] == "田中"
    assert bcrypt.checkpw(b"kaunta-2026!", rec["password"].encode()) and not bcrypt.checkpw(
        b"x", rec["password"].encode()
    )
    from streamlit_authenticator import Hasher  # the library that checks the login accepts our hash

    assert Hasher.is_hash(rec["password"]) and Hasher.check_pw("kaunta-2026!", rec["password"])
    # owner-only files in an owner-only folder, outside the project (never in git)
    assert stat.S_IMODE(auth_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    key = auth_dir / "cookie.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) >= 32
    assert PROJECT_ROOT not in auth_dir.parents or "tmp" in str(auth_dir)
    # now another address may be served
    code, out, _ = run_cli("app", "--address", "0.0.0.0", "--print-command")
    assert code == 0 and "--server.address 0.0.0.0" in out
    code, out, _ = run_cli("app", "users", "list")
    assert code == 0 and "tanaka" in out and "$2" not in out
    # bad input: one line, exit 2, the file unchanged
    before = f.read_bytes()
    for name, pw in (
        ("tanaka", "short"),
        ("bad name!", "long-enough-1"),
        ("sato", " spaced-password "),
        ("sato", "x" * 73),
    ):
        code, _o, err = _add(run_cli, monkeypatch, name, pw)
        assert code == 2 and len(err.strip().splitlines()) == 1, (name, pw, err)
    assert f.read_bytes() == before
    code, _o, err = run_cli("app", "users", "remove", "nobody")
    assert code == 2
    code, _o, _e = run_cli("app", "users", "remove", "tanaka")
    assert code == 0
    code, _o, err = run_cli("app", "--address", "0.0.0.0", "--print-command")
    assert code == 2  # no users left: refused again


def test_plain_password_in_the_users_file_is_refused(run_cli, auth_dir):
    auth_dir.mkdir(mode=0o700)
    (auth_dir / "users.yaml").write_text(
        "credentials:\n  usernames:\n    bob:\n      name: Bob\n      password: hunter22\n"
    )
    code, out, err = run_cli("app", "--address", "0.0.0.0", "--print-command")
    assert code == 2 and out == "" and "bcrypt" in err and len(err.strip().splitlines()) == 1
    (auth_dir / "users.yaml").write_text("credentials: [1, 2\n")
    code, _out, err = run_cli("app", "--address", "0.0.0.0", "--print-command")
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1


# ----------------------------------------------------------------------------- the login gate (AppTest)


def _content(at) -> list[str]:
    """Everything a page shows beyond the login form: titles, headers, text, tables, maps, metrics."""
    return (
        [x.value for x in at.title]
        + [x.value for x in at.header]
        + [x.value for x in at.subheader]
        + [x.value for x in at.markdown]
        + [str(x.value) for x in at.metric]
        + [str(i) for i in range(len(at.dataframe))]
        + [str(x.label) for x in at.selectbox]
        + [str(x.label) for x in at.radio]
    )


@pytest.fixture
def one_user(run_cli, auth_dir, monkeypatch):
    code, _o, err = _add(run_cli, monkeypatch, "planner", "madoguchi-pass-1")
    assert code == 0, err
    monkeypatch.setenv("MADOGUCHI_LOGIN", "1")
    return ("planner", "madoguchi-pass-1")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_nothing_before_login(page, app_env, one_user):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [x.label for x in at.text_input] == ["利用者名", "パスワード"]
    assert [b.label for b in at.button] == ["ログイン"]
    assert _content(at) == LOGIN_ONLY, _content(at)
    # the sidebar holds only the language switch
    assert [r.label for r in at.sidebar.radio] == ["言語 / Language"] and not at.sidebar.markdown
    assert not at.sidebar.selectbox and not at.sidebar.button


def test_wrong_password_refused_right_password_opens_the_pages(app_env, one_user):
    from streamlit.testing.v1 import AppTest

    user, pw = one_user
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=180).run()
    for u, p in ((user, "wrong-password"), ("nobody", pw), (user, ""), ("", "")):
        at.text_input[0].input(u)
        at.text_input[1].input(p)
        at.button[0].click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert _content(at) == LOGIN_ONLY, (u, p)
        assert [x.label for x in at.text_input] == ["利用者名", "パスワード"]
    assert any("違います" in e.value for e in at.error)
    at.text_input[0].input(user.upper())  # user names are not case-sensitive
    at.text_input[1].input(pw)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title and at.title[0].value.startswith("窓口 Madoguchi")
    assert len(at.metric) >= 4  # the region's data status
    assert any("planner" in c.value for c in at.sidebar.caption)
    assert "ログアウト" in [b.label for b in at.sidebar.button]
    # the session stays logged in on a rerun; logging out hides everything again
    at.run()
    assert at.title
    next(b for b in at.sidebar.button if b.label == "ログアウト").click().run()
    assert not at.title and not at.metric and not at.dataframe
    at.run()
    assert [x.label for x in at.text_input] == ["利用者名", "パスワード"] and not at.title
    # logged in again, then removed from the users file by an administrator: the session ends
    at.text_input[0].input(user)
    at.text_input[1].input(pw)
    at.button[0].click().run()
    assert at.title
    from madoguchi.app.auth import add_user, remove_user

    add_user("colleague", "another-pass-2")
    assert remove_user(user)
    at.run()
    assert not at.title and not at.metric
    assert [x.label for x in at.text_input] == ["利用者名", "パスワード"]
    assert remove_user("colleague")
    at.run()
    assert not at.title and not at.text_input and at.error  # no users left: a refusal, nothing else


def test_served_to_other_machines_without_users_shows_nothing(app_env, auth_dir):
    """`streamlit run app.py --server.address 0.0.0.0` bypasses `madoguchi app`: the app itself
    then refuses to show anything (no users -> a message only)."""
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    old = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120).run()
    finally:
        config.set_option("server.address", old)
    assert not at.exception
    assert _content(at) == ["言語 / Language"] and not at.text_input
    assert any("madoguchi app users add" in e.value for e in at.error)


def test_every_interface_is_an_explicit_choice_with_login_and_a_quiet_start(
    run_cli, app_env, auth_dir, monkeypatch, tmp_path
):
    """`madoguchi app --address 0.0.0.0` with a user: the server really listens on every interface
    (the choice was explicit, the login is on) and starts without the external-IP lookup noise."""
    code, _o, err = _add(run_cli, monkeypatch, "planner", "madoguchi-pass-1")
    assert code == 0, err
    port = _free_port()
    proc, log, ok = _serve(
        [sys.executable, "-m", "madoguchi", "app", "--address", "0.0.0.0", "--port", str(port)],
        port,
        _env(app_env, auth_dir),
        tmp_path,
    )
    try:
        assert ok, (tmp_path / f"server-{port}.log").read_text()
        assert "0.0.0.0" in _listening(port)
    finally:
        _stop(proc, log)
    text = (tmp_path / f"server-{port}.log").read_text()
    assert "ログインが必要" in text and f"{socket.gethostname()}:{port}" in text
    assert "external IP" not in text and "External URL" not in text and "Traceback" not in text


def test_login_form_follows_the_language_switch(app_env, one_user):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "2_placement.py"), default_timeout=120).run()
    at.sidebar.radio[0].set_value("English").run()
    assert not at.exception
    assert [x.label for x in at.text_input] == ["User name", "Password"] and [b.label for b in at.button] == ["Log in"]
    at.text_input[0].input("planner")
    at.text_input[1].input("nope-nope-nope")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Wrong user name or password."] and not at.title
