"""Attack suite, paths and files: Madoguchi never deletes or overwrites what it did not make.

Real data: the Okinawa (47) bundle is built from ../shared/geodata. The kill -9 cases run the
real CLI in a subprocess and SIGKILL it at every step of the bundle swap (geo.atomic's
MADOGUCHI_TEST_PAUSE_S hook announces each step on stderr) and at several instants of the build.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_support import build_argv, one_line_exit_2, run_cli

from core.errors import MadoguchiError
from geo import atomic

ROOT = Path(__file__).resolve().parents[1]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".building-" in p.name or p.name.startswith(atomic.OLD_PREFIX))


@pytest.fixture(scope="module")
def oki_bundle(okinawa_region) -> Path:
    """The session's real Okinawa bundle (conftest); tests copy it before changing anything."""
    return Path(okinawa_region.path)


# ----------------------------------------------------------------------------- region build --out


def test_out_folder_that_is_not_a_bundle_is_kept(tmp_path, data_root):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "thesis.txt").write_text("my thesis", encoding="utf-8")
    msg = one_line_exit_2(["region", "build", "--pref", "47", "--data", str(data_root), "--out", str(notes)])
    assert "notes" in msg
    assert snapshot(notes) == {"thesis.txt": b"my thesis"}
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("target", [".", "/", "~", "..", "/etc"])
def test_out_dangerous_folders_refused(tmp_path, data_root, monkeypatch, target):
    home = tmp_path / "home"
    (home / "work").mkdir(parents=True)
    (home / "diary.txt").write_text("x", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(home / "work")
    before = snapshot(home)
    out = str(home) if target == "~" else target
    one_line_exit_2(["region", "build", "--pref", "47", "--data", str(data_root), "--out", out])
    assert snapshot(home) == before
    assert leftovers(home) == [] and leftovers(home / "work") == []
    assert not any(".building-" in p.name for p in Path("/").iterdir())


def test_out_under_a_file_and_file_itself(tmp_path, data_root):
    f = tmp_path / "report.pdf"
    f.write_bytes(b"%PDF-1.4 mine")
    one_line_exit_2(["region", "build", "--pref", "47", "--data", str(data_root), "--out", str(f / "bundle")])
    one_line_exit_2(["region", "build", "--pref", "47", "--data", str(data_root), "--out", str(f)])
    assert f.read_bytes() == b"%PDF-1.4 mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_out_read_only_parent(tmp_path, data_root, monkeypatch):
    """Tests run as root, so a read-only parent is simulated: os.access says not writable."""
    real = os.access
    ro = tmp_path / "ro"
    ro.mkdir()
    monkeypatch.setattr(atomic.os, "access", lambda p, m: False if Path(p) == ro else real(p, m))
    msg = one_line_exit_2(["region", "build", "--pref", "47", "--data", str(data_root), "--out", str(ro / "b")])
    assert str(ro) in msg
    assert list(ro.iterdir()) == []


def test_empty_folder_and_bundle_are_replaced(tmp_path, data_root):
    empty = tmp_path / "b"
    empty.mkdir()
    rc, _, err = run_cli(["region", "build", "--pref", "47", "--data", str(data_root), "--out", str(empty)])
    assert rc == 0, err
    assert atomic.is_madoguchi_bundle(empty)
    first = json.loads((empty / "manifest.json").read_text(encoding="utf-8"))
    time.sleep(1.1)  # `built` has one-second resolution
    rc, _, err = run_cli(["region", "build", "--pref", "47", "--data", str(data_root), "--out", str(empty)])
    assert rc == 0, err
    second = json.loads((empty / "manifest.json").read_text(encoding="utf-8"))
    assert second["built"] != first["built"] and second["counts"] == first["counts"]
    assert leftovers(tmp_path) == []


def test_bad_settings_never_replace_a_good_bundle(tmp_path, data_root, oki_bundle):
    import shutil

    b = tmp_path / "b"
    shutil.copytree(oki_bundle, b)
    before = snapshot(b)
    for bad in (
        '{"estimate_speed_kmh": Infinity}',
        '{"circuity": NaN}',
        '{"speeds_kmh": {"primary": -1}}',
        '{"speeds_kmh": [1, 2]}',
        '{"circuity": "1.3"}',
        "[1, 2]",
        '{"access_speed_kmh": 1e309}',
    ):
        s = tmp_path / "settings.json"
        s.write_text(bad, encoding="utf-8")
        one_line_exit_2(
            ["region", "build", "--pref", "47", "--data", str(data_root), "--settings", str(s), "--out", str(b)]
        )
        assert snapshot(b) == before
    from geo.region import Region

    assert Region.load(b).settings.circuity == 1.35


def test_disk_full_during_build_is_one_line(tmp_path, data_root, monkeypatch):
    import geo.region as gr

    def full(gdf, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(gr, "_write_parquet", full)
    msg = one_line_exit_2(["region", "build", "--pref", "47", "--data", str(data_root), "--out", str(tmp_path / "b")])
    assert "No space left" in msg
    assert list(tmp_path.iterdir()) == []


def test_real_process_exit_code_and_one_line(tmp_path, data_root):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "thesis.txt").write_text("keep", encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "madoguchi", *build_argv("47", data_root, notes)],
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert (notes / "thesis.txt").read_text(encoding="utf-8") == "keep"


# ----------------------------------------------------------------------------- file replace policy


def test_write_bytes_policy(tmp_path):
    mine = tmp_path / "plan.pdf"
    mine.write_bytes(b"planner's own file")
    with pytest.raises(MadoguchiError) as e:
        atomic.write_bytes_atomic(mine, b"report", replace_policy="madoguchi")
    assert "plan.pdf" in e.value.message("en")
    assert mine.read_bytes() == b"planner's own file"
    out = tmp_path / "report.pdf"
    atomic.write_bytes_atomic(out, b"v1", replace_policy="madoguchi")
    atomic.write_bytes_atomic(out, b"v2", replace_policy="madoguchi")  # ours: replaced
    assert out.read_bytes() == b"v2" and atomic.is_madoguchi_file(out)
    out.write_bytes(b"edited by hand")  # changed since: no longer ours to replace
    with pytest.raises(MadoguchiError):
        atomic.write_bytes_atomic(out, b"v3", replace_policy="madoguchi")
    assert out.read_bytes() == b"edited by hand"
    with pytest.raises(MadoguchiError):
        atomic.write_bytes_atomic(tmp_path, b"x", replace_policy="any")  # a folder is never a file target
    with pytest.raises(MadoguchiError):
        atomic.write_bytes_atomic(out, b"x", replace_policy="never")
    assert not atomic.remove_file(out) and out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("ext", ["pdf", "html", "xlsx", "gpkg"])
def test_report_writer_keeps_planners_file(tmp_path, ibaraki_region, ext):
    """Every report writer refuses to replace a file the planner made under the report's name."""
    from madoguchi.planning.scenario import Hub, Scenario
    from madoguchi.reports import build_report

    site = ibaraki_region.sites.iloc[0]
    sc = Scenario(
        name="plan",
        region=ibaraki_region.path.name,
        hubs=[Hub(str(site.site_id), str(site["name"]), float(site.lon), float(site.lat))],
    )
    f = tmp_path / f"council.{ext}"
    f.write_text("<p>my notes</p>", encoding="utf-8")
    with pytest.raises(MadoguchiError):
        build_report(ibaraki_region, sc, f)
    assert f.read_text(encoding="utf-8") == "<p>my notes</p>"


def test_traveltime_outputs_never_replace_a_planners_file(tmp_path, oki_bundle):
    import shutil

    b = tmp_path / "b"
    shutil.copytree(oki_bundle, b)
    mine_geo = tmp_path / "areas.geojson"
    mine_geo.write_text('{"mine": 1}', encoding="utf-8")
    mine_npz = tmp_path / "times.npz"
    mine_npz.write_bytes(b"not a matrix, but mine")
    mine_txt = tmp_path / "notes.txt"
    mine_txt.write_text("x", encoding="utf-8")
    one_line_exit_2(["traveltime", "--region", str(b), "--isochrones", str(mine_geo), "--thresholds", "30"])
    one_line_exit_2(["traveltime", "--region", str(b), "--isochrones", str(mine_txt), "--thresholds", "30"])
    one_line_exit_2(["traveltime", "--region", str(b), "--out", str(mine_npz)])
    assert mine_geo.read_text(encoding="utf-8") == '{"mine": 1}' and mine_txt.read_text(encoding="utf-8") == "x"
    assert mine_npz.read_bytes() == b"not a matrix, but mine"
    ours = tmp_path / "ours.npz"
    for _ in range(2):  # Madoguchi's own output is replaced on the next run
        rc, _, err = run_cli(["traveltime", "--region", str(b), "--out", str(ours)])
        assert rc == 0, err
    assert atomic.is_madoguchi_file(ours) and (ours.stat().st_mode & 0o044)


def test_symlinked_file_updates_its_target(tmp_path):
    target = tmp_path / "real.json"
    atomic.write_json_atomic(target, {"a": 1}, replace_policy="madoguchi")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    atomic.write_json_atomic(link, {"a": 2})
    assert link.is_symlink() and json.loads(target.read_text(encoding="utf-8")) == {"a": 2}


def test_write_into_a_path_under_a_file_is_one_line(tmp_path):
    f = tmp_path / "file"
    f.write_bytes(b"x")
    with pytest.raises(MadoguchiError):
        atomic.write_text_atomic(f / "out.txt", "y")
    assert f.read_bytes() == b"x"


# ----------------------------------------------------------------------------- kill -9 during a bundle swap


def _spawn_build(out: Path, data_root: Path, pause: float) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), MADOGUCHI_TEST_PAUSE_S=str(pause))
    return subprocess.Popen(
        [sys.executable, "-m", "madoguchi", *build_argv("47", data_root, out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(proc: subprocess.Popen, marker: str, nth: int = 1) -> bool:
    seen = 0
    for line in proc.stderr:
        if line.strip() == f"madoguchi-pause:{marker}":
            seen += 1
            if seen == nth:
                return True
    return False


def _assert_invariant(out: Path, old_manifest: bytes) -> None:
    """After the kill and the next load: a complete bundle (old or new) at `out`, nothing left over."""
    from geo.region import Region

    r = Region.load(out)  # runs the recovery
    assert len(r.municipalities) == 41 and len(r.demand) > 0
    mf = (out / "manifest.json").read_bytes()
    if mf != old_manifest:
        assert json.loads(mf)["format"] == "madoguchi-region"
    assert leftovers(out.parent) == []


@pytest.mark.parametrize(
    "step,nth",
    [("before-old", 1), ("between", 1), ("after-new", 1), ("removing-old", 1), ("removing-old", 3), ("removed-old", 1)],
)
def test_kill_9_at_each_swap_step(tmp_path, data_root, oki_bundle, step, nth):
    import shutil

    out = tmp_path / "okinawa-47"
    shutil.copytree(oki_bundle, out)
    old_manifest = (out / "manifest.json").read_bytes()
    proc = _spawn_build(out, data_root, pause=1.0)  # killed as soon as the step is announced
    try:
        assert _wait_for(proc, step, nth), f"step {step} never reached"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    _assert_invariant(out, old_manifest)


def test_kill_9_at_many_instants(tmp_path, data_root, oki_bundle):
    """SIGKILL after fixed delays spread over a whole build (no pauses): invariant every time."""
    import shutil

    out = tmp_path / "okinawa-47"
    shutil.copytree(oki_bundle, out)
    old_manifest = (out / "manifest.json").read_bytes()
    for delay in (0.3, 0.8, 1.2, 1.6, 2.0, 2.4, 2.8, 3.5):
        proc = _spawn_build(out, data_root, pause=0)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        _assert_invariant(out, old_manifest)
        old_manifest = (out / "manifest.json").read_bytes()


def test_next_build_recovers_an_interrupted_swap(tmp_path, data_root, oki_bundle):
    """The state 'old renamed away, new not yet in': the next build puts the old one back first."""
    import shutil

    out = tmp_path / "okinawa-47"
    shutil.copytree(oki_bundle, tmp_path / f"{atomic.OLD_PREFIX}okinawa-47")
    dead = tmp_path / ".okinawa-47.building-999999999-abc"
    dead.mkdir()
    assert atomic.recover_directory(out) == "restored"
    assert atomic.is_madoguchi_bundle(out) and not dead.exists()
    assert leftovers(tmp_path) == []
