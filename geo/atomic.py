"""The one place that writes, replaces or removes files for Madoguchi.

Policy (README "Security and data safety"):

* Every write goes to a temporary sibling and is renamed into place (`os.replace`), so a
  crash never leaves half a file.
* Madoguchi never deletes or overwrites what it did not make.  A file is replaced only under
  the caller's `replace_policy`:

  - ``"any"``: replace whatever is there (internal files: caches, manifests inside a bundle).
  - ``"madoguchi"``: replace only a file Madoguchi wrote here before (its name and SHA-256 are
    recorded in the folder's ``.madoguchi-files.json``); anything else -> `MadoguchiError`.
  - ``"never"``: refuse if the path exists.

* A folder (a region bundle) is replaced only if it is a Madoguchi bundle
  (`is_madoguchi_bundle`) or empty.  Replacement is crash-safe: the old bundle is renamed to
  ``.madoguchi-old-<name>`` (the journal), the new one renamed in, then the old one removed.
  After ``kill -9`` at any instant, `recover_directory` (run by the next build and by
  `geo.region.Region.load`) puts the old bundle back if the new one is not in place, and
  removes finished journals and abandoned ``.<name>.building-<pid>-*`` folders.

Test hook: environment variable ``MADOGUCHI_TEST_PAUSE_S`` (seconds, float) prints
``madoguchi-pause:<step>`` to stderr and sleeps between the steps of a directory swap, so
tests can ``kill -9`` a build at each instant (tests/test_attack_paths.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.errors import MadoguchiError

REGION_FORMAT = "madoguchi-region"  # manifest.json "format" of a region bundle (geo.region.FORMAT)
REGISTRY = ".madoguchi-files.json"  # per folder: {file name: sha256} of files Madoguchi wrote
OLD_PREFIX = ".madoguchi-old-"
POLICIES = ("any", "madoguchi", "never")


class WriteError(MadoguchiError, OSError):
    """A write that failed (disk full, permissions, a file in the way).

    A MadoguchiError (the CLI prints one line and exits 2) and still an OSError for callers
    that catch those.
    """


# ----------------------------------------------------------------------------- helpers


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _pause(step: str) -> None:
    """Test hook: sleep MADOGUCHI_TEST_PAUSE_S seconds between swap steps (0 / unset: no pause)."""
    raw = os.environ.get("MADOGUCHI_TEST_PAUSE_S")
    if raw:
        import sys

        print(f"madoguchi-pause:{step}", file=sys.stderr, flush=True)
        try:
            time.sleep(max(0.0, float(raw)))
        except ValueError:
            pass


def _oserror(e: OSError, path: Path, what_ja: str, what_en: str) -> WriteError:
    reason = e.strerror or str(e) or type(e).__name__
    return WriteError(f"{what_ja}（{reason}）", f"{what_en} ({reason})", path=str(path))


def _sha256_file(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def _read_registry(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / REGISTRY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def is_madoguchi_file(path: str | os.PathLike) -> bool:
    """True if `path` is a file Madoguchi wrote and nobody changed since (name + SHA-256 recorded).

    Parameters
    ----------
    path : path-like
        A file path.

    Returns
    -------
    bool
    """
    path = Path(path)
    if not path.is_file():
        return False
    rec = _read_registry(path.parent).get(path.name)
    return rec is not None and rec == _sha256_file(path)


def _record(path: Path, digest: str) -> None:
    """Record in the folder's registry that Madoguchi wrote `path` with this content."""
    reg = _read_registry(path.parent)
    reg = {k: v for k, v in reg.items() if (path.parent / k).exists()}
    reg[path.name] = digest
    try:
        _write_bytes(path.parent / REGISTRY, json.dumps(reg, ensure_ascii=False, indent=1).encode("utf-8"))
    except OSError:
        pass  # the registry only widens what may be replaced later; without it we refuse, never delete


def check_replace(path: str | os.PathLike, replace_policy: str = "madoguchi") -> None:
    """Raise `MadoguchiError` if writing `path` would replace something `replace_policy` forbids.

    Parameters
    ----------
    path : path-like
        The file about to be written.
    replace_policy : {"any", "madoguchi", "never"}
        See the module docstring.

    Raises
    ------
    MadoguchiError
        The path is a folder, or exists and may not be replaced under the policy.
    """
    if replace_policy not in POLICIES:
        raise ValueError(f"replace_policy must be one of {POLICIES}")
    path = Path(path)
    if path.is_dir():
        raise MadoguchiError(
            "出力先がフォルダです。ファイル名を指定してください。",
            "the output path is a folder; give a file name",
            path=str(path),
        )
    if not (path.exists() or path.is_symlink()) or replace_policy == "any":
        return
    if replace_policy == "never" or not is_madoguchi_file(path):
        raise MadoguchiError(
            "同名のファイルがあり、Madoguchi が作成したものではないため上書きしません。別の名前を指定してください。",
            "a file with this name exists and was not written by Madoguchi; it is kept: choose another name",
            path=str(path),
        )


def _write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; an output is an ordinary file
        target = path.resolve() if path.is_symlink() else path  # a symlink keeps pointing at its updated target
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ----------------------------------------------------------------------------- files


def write_bytes_atomic(
    path: str | os.PathLike, data: bytes, *, replace_policy: str = "any", record: bool | None = None
) -> None:
    """Write `data` to `path` atomically (temp sibling + fsync + os.replace).

    Parameters
    ----------
    path : path-like
        Destination file; missing parent folders are created.
    data : bytes
        The content.
    replace_policy : {"any", "madoguchi", "never"}
        What an existing file at `path` may be (module docstring). Use ``"madoguchi"`` for
        every user-named output (reports, exports, scenario files).
    record : bool, optional
        Record the file as Madoguchi's (so a later ``"madoguchi"`` write may replace it).
        Default: True unless the policy is ``"any"``.

    Raises
    ------
    MadoguchiError
        The policy forbids replacing the file, or the folder cannot be written (one line,
        Japanese and English, naming the path).
    """
    path = Path(path)
    check_replace(path, replace_policy)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_bytes(path, bytes(data))
    except OSError as e:
        raise _oserror(e, path, "ファイルを書き込めません", "cannot write the file") from None
    if record if record is not None else replace_policy != "any":
        _record(path, hashlib.sha256(data).hexdigest())


def write_text_atomic(
    path: str | os.PathLike,
    text: str,
    encoding: str = "utf-8",
    *,
    replace_policy: str = "any",
    record: bool | None = None,
) -> None:
    """Write `text` to `path` atomically (see `write_bytes_atomic`).

    Parameters
    ----------
    path : path-like
    text : str
    encoding : str
    replace_policy : {"any", "madoguchi", "never"}
    record : bool, optional

    Raises
    ------
    MadoguchiError
        As `write_bytes_atomic`.
    """
    write_bytes_atomic(path, text.encode(encoding), replace_policy=replace_policy, record=record)


def write_json_atomic(
    path: str | os.PathLike, obj: Any, *, replace_policy: str = "any", record: bool | None = None
) -> None:
    """Write JSON (UTF-8, Japanese kept readable) atomically (see `write_bytes_atomic`).

    Parameters
    ----------
    path : path-like
    obj : JSON-serialisable object
    replace_policy : {"any", "madoguchi", "never"}
    record : bool, optional

    Raises
    ------
    MadoguchiError
        As `write_bytes_atomic`.
    """
    write_text_atomic(
        path, json.dumps(obj, ensure_ascii=False, indent=2, default=str), replace_policy=replace_policy, record=record
    )


def temp_path_beside(path: str | os.PathLike, suffix: str = "") -> Path:
    """A fresh temp file name next to `path`, for writers that need a path (GeoPackage, GeoJSON).

    Parameters
    ----------
    path : path-like
        The final destination; missing parent folders are created.
    suffix : str
        File extension of the temp name (default: that of `path`).

    Returns
    -------
    Path
        A hidden sibling name that does not exist yet. Move the finished file into place with
        :func:`replace_file` so the replace policy applies.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=suffix or path.suffix)
    os.close(fd)
    os.unlink(tmp)
    return Path(tmp)


def replace_file(tmp: str | os.PathLike, final: str | os.PathLike, *, replace_policy: str = "madoguchi") -> None:
    """Move a finished temp file (e.g. a GeoPackage written by a library) onto `final` under the policy.

    The temp file is removed if the move is refused or fails.

    Parameters
    ----------
    tmp : path-like
        The finished file, in the same folder as `final`.
    final : path-like
    replace_policy : {"any", "madoguchi", "never"}
        What an existing `final` may be (module docstring).

    Raises
    ------
    MadoguchiError
        The policy forbids replacing `final`, or the move fails (naming the path).
    """
    tmp, final = Path(tmp), Path(final)
    try:
        check_replace(final, replace_policy)
        data_hash = _sha256_file(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # temp files are made 0600; an output is an ordinary file
        os.replace(tmp, final.resolve() if final.is_symlink() else final)
    except BaseException:
        if tmp.exists():
            tmp.unlink()
        raise
    if replace_policy != "any" and data_hash:
        _record(final, data_hash)


def remove_file(path: str | os.PathLike) -> bool:
    """Remove `path` only if Madoguchi wrote it (unchanged since).

    Parameters
    ----------
    path : path-like

    Returns
    -------
    bool
        True if removed; False if absent or not Madoguchi's (then it is left alone).
    """
    path = Path(path)
    if not is_madoguchi_file(path):
        return False
    path.unlink()
    reg = _read_registry(path.parent)
    if reg.pop(path.name, None) is not None:
        try:
            _write_bytes(path.parent / REGISTRY, json.dumps(reg, ensure_ascii=False, indent=1).encode("utf-8"))
        except OSError:
            pass
    return True


# ----------------------------------------------------------------------------- folders (bundles)


def is_madoguchi_bundle(path: str | os.PathLike) -> bool:
    """True if `path` is a folder whose manifest.json says it is a Madoguchi region bundle.

    Parameters
    ----------
    path : path-like
        A folder.

    Returns
    -------
    bool
    """
    path = Path(path)
    if path.is_symlink() or not path.is_dir():
        return False
    try:
        m = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(m, dict) and m.get("format") == REGION_FORMAT


def _is_empty_dir(path: Path) -> bool:
    try:
        return path.is_dir() and not path.is_symlink() and not any(path.iterdir())
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_directory(final: str | os.PathLike) -> str | None:
    """Finish or undo a bundle swap that a crash interrupted; remove abandoned build folders.

    Safe to call any time (a no-op when nothing was interrupted).

    Parameters
    ----------
    final : path-like
        The bundle path.

    Returns
    -------
    str or None
        ``"restored"`` (old bundle put back), ``"finished"`` (journal of a completed swap
        removed) or None.
    """
    final = Path(final)
    parent = final.parent
    done = None
    old = parent / f"{OLD_PREFIX}{final.name}"
    try:
        if old.is_dir() and not old.is_symlink():
            if not (final.exists() or final.is_symlink()):
                os.replace(old, final)  # killed between the two renames: put the old bundle back
                done = "restored"
            elif is_madoguchi_bundle(final) and (
                is_madoguchi_bundle(old) or _is_empty_dir(old) or _partly_removed(old)
            ):
                shutil.rmtree(old, ignore_errors=True)  # the new bundle is in place: finish the removal
                done = "finished"
        if parent.is_dir():
            for d in parent.glob(f".{final.name}.building-*"):
                pid = d.name[len(f".{final.name}.building-") :].split("-", 1)[0]
                if d.is_dir() and not d.is_symlink() and pid.isdigit() and not _pid_alive(int(pid)):
                    shutil.rmtree(d, ignore_errors=True)
    except OSError:
        return done  # a read-only place: nothing we can tidy, nothing lost
    return done


def _partly_removed(old: Path) -> bool:
    """A journal whose removal was cut short: it held a bundle (our marker file is kept to the end)."""
    return (old / ".madoguchi-bundle").exists()


def _check_target(final: Path) -> None:
    """Refuse paths a bundle may never replace ('.', '/', home, the working folder or its parents)."""
    try:
        res = final.resolve()
    except (OSError, RuntimeError) as e:
        raise MadoguchiError(
            "出力先のパスを解決できません。", f"cannot resolve the output path ({e})", path=str(final)
        ) from e
    protected = {Path("/"), Path.home().resolve(), Path.cwd().resolve()}
    protected |= set(Path.cwd().resolve().parents) | set(Path.home().resolve().parents)
    if res in protected or final.name in ("", ".", ".."):
        raise MadoguchiError(
            "このフォルダ（ルート・ホーム・作業フォルダまたはその親）は出力先にできません。新しいフォルダ名を指定してください。",
            "this folder (root, home, the working folder or a parent of it) cannot be an output folder; give a new folder name",
            path=str(final),
        )
    if final.is_symlink() or (final.exists() and not final.is_dir()):
        raise MadoguchiError(
            "出力先にフォルダ以外（ファイルまたはリンク）があります。上書きしません。",
            "the output path exists and is not a folder (a file or a link); it is kept",
            path=str(final),
        )
    if final.is_dir() and not (is_madoguchi_bundle(final) or _is_empty_dir(final)):
        raise MadoguchiError(
            "出力先のフォルダは Madoguchi の地域データではありません。中身を守るため上書きしません。別のフォルダ名を指定してください。",
            "the output folder exists and is not a Madoguchi region bundle; it is kept: choose another folder name",
            path=str(final),
        )


def check_directory_target(final: str | os.PathLike) -> None:
    """Raise now if `atomic_directory(final)` would refuse (call before long work).

    Parameters
    ----------
    final : path-like
        The bundle folder to be written.

    Raises
    ------
    MadoguchiError
        '.', '/', home, the working folder or a parent of it, or an existing folder that is not a
        Madoguchi bundle.
    """
    final = Path(final)
    recover_directory(final)
    _check_target(final)
    parent = final.parent
    for p in [parent, *parent.parents]:
        if p.exists():
            if not p.is_dir():
                raise MadoguchiError(
                    "出力先の親がファイルです。", "a parent of the output path is a file, not a folder", path=str(p)
                )
            if not os.access(p, os.W_OK | os.X_OK):
                raise MadoguchiError(
                    "出力先の親フォルダに書き込めません。", "the output's parent folder is not writable", path=str(p)
                )
            break


@contextmanager
def atomic_directory(final: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp folder beside `final`; on success swap it in, on any error delete it.

    `final` may be missing, empty, or a Madoguchi bundle; anything else raises
    `MadoguchiError` before anything is written.  The swap is crash-safe (module docstring).

    Parameters
    ----------
    final : path-like
        The bundle folder to create or replace.

    Yields
    ------
    Path
        The temporary folder to fill (``.<name>.building-<pid>-XXXX`` beside `final`).
    """
    final = Path(final)
    check_directory_target(final)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.building-{os.getpid()}-"))
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; a bundle is shared like any folder
    except OSError as e:
        raise _oserror(e, final.parent, "出力先のフォルダを作成できません", "cannot create the output folder") from None
    try:
        yield tmp
        (tmp / ".madoguchi-bundle").write_text("region bundle written by Madoguchi\n", encoding="utf-8")
        _check_target(final)  # someone may have put files there while we built
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(e, MadoguchiError):
            raise
        raise _oserror(e, final, "地域データを書き込めません", "cannot write the region bundle") from e
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = final.parent / f"{OLD_PREFIX}{final.name}"
    try:
        had_old = final.exists()
        if had_old:
            if old.exists():
                shutil.rmtree(old)  # a finished journal (recover_directory ran above)
            _pause("before-old")
            os.replace(final, old)  # journal: the old bundle, restored by recover_directory if we die now
        _pause("between")
        os.replace(tmp, final)
        _pause("after-new")
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        recover_directory(final)
        raise _oserror(e, final, "地域データを書き込めません", "cannot write the region bundle") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        recover_directory(final)
        raise
    if had_old:
        _remove_tree_marker_last(old)
        _pause("removed-old")


def _remove_tree_marker_last(old: Path) -> None:
    """Remove a journal folder, keeping its marker to the end so an interrupted removal is recognised."""
    marker = old / ".madoguchi-bundle"
    try:
        marker.touch()  # an older bundle may lack the marker: add it before anything is removed
    except OSError:
        pass
    for child in list(old.iterdir()):
        if child == marker:
            continue
        _pause("removing-old")
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    shutil.rmtree(old, ignore_errors=True)
