"""Keep third-party solver chatter off standard output.

Compiled solvers (HiGHS through highspy/PuLP/spopt, OR-Tools) write banners and logs straight to
file descriptor 1, below Python's ``sys.stdout``, so ``contextlib.redirect_stdout`` cannot catch
them and they corrupt ``--json`` output. `solver_output_to_stderr` points descriptor 1 at
descriptor 2 while a solver runs: the text stays visible on stderr, stdout stays clean.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

_LOCK = threading.RLock()


def _flush_c_stdio() -> None:
    """Flush the C library's stdout buffer (text a solver printed but libc has not written yet)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):  # no libc: not a platform we run on
        ctypes.CDLL(None).fflush(None)


@contextlib.contextmanager
def solver_output_to_stderr() -> Iterator[None]:
    """Within the block, anything written to file descriptor 1 goes to descriptor 2 instead.

    Python's own ``print`` is unaffected when ``sys.stdout`` was replaced (pytest capture, the
    app); only writes to the real descriptor 1 move. Process-wide, so a lock serialises users.
    If the descriptors cannot be duplicated (closed stdout), the block runs unchanged.
    """
    with _LOCK:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stdout.flush()
        try:
            saved = os.dup(1)
            os.dup2(2, 1)
        except OSError:
            yield
            return
        try:
            yield
        finally:
            _flush_c_stdio()
            with contextlib.suppress(OSError, ValueError, AttributeError):
                sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
