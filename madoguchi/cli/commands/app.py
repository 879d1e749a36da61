"""`madoguchi app`: start the map app (`streamlit run app.py`) on the default region."""
from __future__ import annotations

import os
import subprocess
import sys

from geo.paths import PROJECT_ROOT


def register(sub) -> None:
    p = sub.add_parser("app", help="地図アプリを起動 / start the map app (streamlit run app.py)")
    p.add_argument("--port", type=int, default=8501, help="ポート番号（既定 8501）")
    p.add_argument("--address", default=None, help="待ち受けるアドレス（既定: Streamlit の既定）")
    p.add_argument("--print-command", action="store_true", help="起動せずにコマンドを表示する")
    p.set_defaults(func=_run)


def command(port: int = 8501, address: str | None = None) -> list[str]:
    """The command line that starts the app (the project's .streamlit/config.toml applies)."""
    cmd = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"), "--server.port", str(port),
           "--server.headless", "true"]
    if address:
        cmd += ["--server.address", address]
    return cmd


def _run(args) -> int:
    cmd = command(args.port, args.address)
    if args.print_command:
        print(" ".join(cmd))
        return 0
    print(f"窓口 Madoguchi: http://localhost:{args.port} を開いてください（終了は Ctrl+C）", flush=True)
    os.chdir(PROJECT_ROOT)
    if os.name == "posix":
        # become the server process: a signal to `madoguchi app` stops the server itself
        os.execv(cmd[0], cmd)
    try:
        return subprocess.call(cmd, cwd=PROJECT_ROOT)
    except KeyboardInterrupt:
        return 0
