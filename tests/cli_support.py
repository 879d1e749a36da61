"""Shared helpers for tests that run the `madoguchi` CLI in-process.

One place for what several test files wrote for themselves: run the CLI with captured output,
assert the "one line, exit 2, no traceback" contract for user-fixable problems, and run a command
that must succeed.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Sequence


def run_cli(argv: Sequence[object], *, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run `madoguchi <argv>` in this process.

    Parameters
    ----------
    argv : sequence
        Command-line arguments (converted with ``str``).
    env : dict, optional
        Environment variables set for the duration of the call, restored afterwards.

    Returns
    -------
    tuple of (int, str, str)
        Exit code (an argparse ``SystemExit`` counts as its code), captured stdout, captured stderr.
    """
    from madoguchi.cli import main

    out, err = io.StringIO(), io.StringIO()
    old: dict[str, str | None] = {}
    for k, v in (env or {}).items():
        old[k] = os.environ.get(k)
        os.environ[k] = v
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(a) for a in argv])
            except SystemExit as e:  # argparse errors
                code = e.code if isinstance(e.code, int) else 2
    finally:
        for k, prev in old.items():
            if prev is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = prev
    return code, out.getvalue(), err.getvalue()


def one_line_exit_2(argv: Sequence[object]) -> str:
    """Run the CLI, assert exit code 2 with exactly one non-blank stderr line and no traceback; return that line."""
    rc, _, err = run_cli(argv)
    assert rc == 2, err
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def cli_ok(*args: object) -> str:
    """Run the CLI, assert exit code 0 and return its stdout."""
    code, out, err = run_cli(args)
    assert code == 0, err
    return out


def build_argv(pref: str, data: object, out: object, *extra: object) -> list[str]:
    """Arguments of `madoguchi region build --pref PREF --data DATA [EXTRA...] --out OUT` (as strings)."""
    return ["region", "build", "--pref", pref, "--data", str(data), *(str(x) for x in extra), "--out", str(out)]
