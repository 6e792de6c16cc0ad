"""Benchmark: ``mlgate data snapshot`` against ``dvc add`` and against the raw floor.

    python bench/snapshot.py [--quick] [--workdir DIR] [--no-dvc] [--reps N]

Generates the same data twice (numpy, fixed seed): once for mlgate, once for
DVC, so neither tool sees the other's stat caches or rewritten files. DVC is
installed into its own throw-away venv (``<workdir>/dvc-venv``) and never
becomes a dependency of mlgate. Every timing is the wall time of the whole
process (``time.perf_counter`` around ``subprocess.run``); each case is the
median of ``--reps`` runs. The page cache is never dropped: the data is warm
in memory for both tools (it is re-read before every repetition, because some
kernels page out memory left idle). Before every timed command, dirty pages are
flushed (``os.sync``), so neither tool pays for the other's write-back.

Prints Markdown tables on stdout (progress goes to stderr). See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import blake3
import numpy as np
from _common import command_output, cpu_model, ensure_venv, say

HERE = Path(__file__).resolve().parent
GIB = 1024**3
MIB = 1024**2
SEED = 20240101
OLD_MTIME_NS = 1_704_067_200 * 10**9  # 2024-01-01: older than mlgate's racy-mtime window
FICLONE = 0x40049409
CHUNK = 16 * MIB


@dataclass(frozen=True)
class Scale:
    """How much data to generate."""

    big_bytes: int
    n_files: int
    file_min: int = 16_000
    file_max: int = 24_000  # ~20 kB on average

    @property
    def big_label(self) -> str:
        if self.big_bytes >= GIB:
            return f"{self.big_bytes / GIB:g} GiB file"
        return f"{self.big_bytes // MIB} MiB file"

    @property
    def many_label(self) -> str:
        return f"{self.n_files:,} files"


FULL = Scale(big_bytes=GIB, n_files=10_000)
QUICK = Scale(big_bytes=64 * MIB, n_files=1_000)


# --- data -----------------------------------------------------------------------------------


def _random_bytes(rng: np.random.Generator, n: int) -> bytes:
    words = rng.integers(0, 2**64 - 1, size=(n + 7) // 8, dtype=np.uint64, endpoint=True)
    return words.astype("<u8", copy=False).tobytes()[:n]


def generate_big(path: Path, size: int) -> None:
    """One file of ``size`` random (incompressible) bytes."""
    rng = np.random.default_rng(SEED)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        left = size
        while left:
            n = min(64 * MIB, left)
            fh.write(_random_bytes(rng, n))
            left -= n
    os.utime(path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))


def many_paths(root: Path, n: int) -> list[Path]:
    """``root/dNN/sNN/fNNNNN.bin``: 100 files per folder, 10 folders per parent."""
    return [
        root / f"d{i // 1000:02d}" / f"s{(i // 100) % 10:02d}" / f"f{i:05d}.bin" for i in range(n)
    ]


def generate_many(root: Path, scale: Scale) -> list[Path]:
    """``scale.n_files`` random files of ~20 kB in nested folders."""
    rng = np.random.default_rng(SEED + 1)
    sizes = rng.integers(scale.file_min, scale.file_max, size=scale.n_files, endpoint=True)
    blob = _random_bytes(rng, int(sizes.sum()))
    paths = many_paths(root, scale.n_files)
    offset = 0
    for path, size in zip(paths, sizes.tolist(), strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(blob[offset : offset + size])
        os.utime(path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
        offset += size
    return paths


def warm_up(*targets: Path) -> None:
    """Read every file once, so the data is in the page cache for both tools.

    Needed here: the VM's kernel pages out memory untouched for about a minute
    (DAMON ``pageout``), page cache included.
    """
    buffer = bytearray(CHUNK)
    for target in targets:
        files = [target] if target.is_file() else sorted(target.rglob("*"))
        for path in files:
            if path.is_file():
                with open(path, "rb", buffering=0) as fh:
                    while fh.readinto(buffer):
                        pass


def touch(path: Path) -> None:
    """Set the mtime to now, content unchanged (like ``touch``)."""
    now = time.time_ns()
    os.utime(path, ns=(now, now))


def change_one_byte(path: Path, *, offset: int, rep: int) -> None:
    """Give one byte a value it never had in this run (each repetition is new content)."""
    with open(path, "r+b") as fh:
        fh.seek(offset)
        original = fh.read(1)[0]
        fh.seek(offset)
        fh.write(bytes([(original + rep + 1) % 256]))


def reflink_works(folder: Path) -> bool:
    """Whether this file system clones files (FICLONE), i.e. mlgate's ``auto`` reflinks."""
    source, target = folder / ".reflink-probe-a", folder / ".reflink-probe-b"
    source.write_bytes(b"probe" * 1000)
    try:
        with open(source, "rb") as src, open(target, "wb") as dst:
            fcntl.ioctl(dst.fileno(), FICLONE, src.fileno())
    except OSError:
        return False
    else:
        return True
    finally:
        source.unlink(missing_ok=True)
        target.unlink(missing_ok=True)


# --- the raw floor --------------------------------------------------------------------------


def floor_one(source: Path, target: Path, *, fsync: bool) -> str:
    """Read, BLAKE3-hash (every core) and copy one file in one pass."""
    hasher = blake3.blake3(max_threads=blake3.blake3.AUTO)
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    with open(source, "rb", buffering=0) as src, open(target, "wb", buffering=0) as dst:
        while n := src.readinto(buffer):
            hasher.update(view[:n])
            dst.write(view[:n])
        if fsync:
            os.fsync(dst.fileno())
    return str(hasher.hexdigest())


def floor_many(sources: Sequence[Path], target: Path, *, fsync: bool) -> int:
    """Read, hash and copy each small file to a new file under ``target``."""
    total = 0
    made: set[Path] = set()
    for i, source in enumerate(sources):
        data = source.read_bytes()
        blake3.blake3(data, max_threads=blake3.blake3.AUTO).hexdigest()
        folder = target / f"{i % 256:02x}"
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        with open(folder / f"{i:05d}", "wb") as fh:
            fh.write(data)
        total += len(data)
    if fsync:
        os.sync()
    return total


def prefault(n_bytes: int) -> None:
    """Touch ``n_bytes`` of fresh memory and free it again, just before a timed write.

    On this VM the host takes back guest memory that stays free for a couple of
    seconds (virtio-balloon free page reporting); the next page-cache pages then
    cost a host fault each, and writing 1 GiB takes 0.5 to 5 s depending on
    luck. Pages freed a moment ago are still backed, so writes run at memory
    speed again, the same for every tool.
    """
    if n_bytes > 0:
        block = np.ones(n_bytes, dtype=np.uint8)
        del block


def timed(fn: Callable[[], object], *, writes: int = 0) -> float:
    """Wall time of ``fn()``; ``writes`` is how many new bytes it writes (see prefault)."""
    prefault(writes + 256 * MIB if writes else 0)
    os.sync()
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def hash_mmap(path: Path) -> str:
    """BLAKE3 of a file, memory-mapped, every core: the hashing part alone."""
    return str(blake3.blake3(max_threads=blake3.blake3.AUTO).update_mmap(path).hexdigest())


def fresh_folder(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@dataclass
class Floor:
    """The raw floor for one data set, measured next to the tools in each repetition."""

    label: str
    sources: list[Path]  # one large file, or the many small ones
    scratch: Path
    prefault: bool = True
    seconds: list[float] = field(default_factory=list)
    seconds_fsync: list[float] = field(default_factory=list)
    hash_only: list[float] = field(default_factory=list)
    copy_only: list[float] = field(default_factory=list)

    @property
    def n_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.sources)

    def measure(self) -> None:
        """One repetition: read + hash + copy, without and with fsync (and, for one
        file, hashing alone and a kernel copy alone)."""
        single = self.sources[0] if len(self.sources) == 1 else None
        writes = self.n_bytes if self.prefault else 0
        for fsync, into in ((False, self.seconds), (True, self.seconds_fsync)):
            out = fresh_folder(self.scratch)
            if single is not None:
                into.append(
                    timed(partial(floor_one, single, out / "copy", fsync=fsync), writes=writes)
                )
            else:
                into.append(
                    timed(
                        partial(floor_many, self.sources, out / "copies", fsync=fsync),
                        writes=writes,
                    )
                )
        if single is not None:
            self.hash_only.append(timed(partial(hash_mmap, single)))
            out = fresh_folder(self.scratch)
            self.copy_only.append(
                timed(partial(shutil.copyfile, single, out / "copy"), writes=writes)
            )
        shutil.rmtree(self.scratch, ignore_errors=True)


# --- running the tools ----------------------------------------------------------------------


def run(
    cmd: Sequence[str | Path], *, cwd: Path, env: dict[str, str], writes: int = 0
) -> tuple[float, str]:
    """Wall time of the whole process, after flushing dirty pages; fails loudly.

    ``writes``: how many new bytes the command writes (see :func:`prefault`).
    """
    prefault(writes + 256 * MIB if writes else 0)
    os.sync()
    started = time.perf_counter()
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(
            f"command failed ({proc.returncode}): {' '.join(map(str, cmd))} in {cwd}\n"
            f"{proc.stdout}\n{proc.stderr}"
        )
    return seconds, proc.stdout


def mlgate_exe() -> Path:
    """The console script next to this interpreter (not a pyenv shim, which adds ~50 ms)."""
    here = Path(sys.executable).parent / "mlgate"
    if here.is_file():
        return here
    found = shutil.which("mlgate")
    if found is None:
        raise SystemExit("mlgate is not installed: pip install -e .")
    return Path(found)


def mlgate_env(project: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLGATE_")}
    env["MLGATE_PROJECT"] = str(project)  # never the repo's own .mlgate/ further up
    return env


def ensure_dvc(venv: Path) -> Path:
    """DVC in its own venv (created once, then reused)."""
    ensure_venv(venv, probe="import dvc", packages=["dvc"])
    return venv / "bin" / "dvc"


def dvc_env() -> dict[str, str]:
    return {**os.environ, "DVC_NO_ANALYTICS": "1"}


def fresh_dvc_repo(dvc: Path, repo: Path, cache_type: str) -> None:
    """A new git-less DVC repo in ``repo``, its state (site cache) inside it."""
    shutil.rmtree(repo / ".dvc", ignore_errors=True)
    for stale in repo.glob("*.dvc"):
        stale.unlink()
    (repo / ".dvcignore").unlink(missing_ok=True)
    env = dvc_env()
    subprocess.run([dvc, "init", "--no-scm", "-q"], cwd=repo, env=env, check=True)
    for key, value in (
        ("core.analytics", "false"),
        ("core.check_update", "false"),
        ("core.site_cache_dir", str(repo / ".dvc" / "site-cache")),
        ("cache.type", cache_type),
    ):
        subprocess.run([dvc, "config", key, value], cwd=repo, env=env, check=True)


def reset_mlgate(project: Path) -> None:
    shutil.rmtree(project / ".mlgate", ignore_errors=True)


# --- cases ----------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    mlgate_cmd: str
    dvc_cmd: str
    target: float | None  # minimum speed-up over DVC
    mlgate: list[float] = field(default_factory=list)
    dvc: list[float] = field(default_factory=list)
    inner: list[float] = field(default_factory=list)  # mlgate's own "seconds" (no start-up)
    files_read: list[int] = field(default_factory=list)


@dataclass
class Bench:
    mlgate: Path
    dvc: Path | None
    cache_type: str
    reps: int
    prefault: bool = True
    cases: list[Case] = field(default_factory=list)

    def case(self, name: str, mlgate_cmd: str, dvc_cmd: str, target: float | None) -> Case:
        case = Case(name, mlgate_cmd, dvc_cmd, target)
        self.cases.append(case)
        return case

    def time_mlgate(
        self, case: Case, project: Path, args: Sequence[str], *, writes: int = 0
    ) -> None:
        seconds, out = run(
            [self.mlgate, *args, "--json"],
            cwd=project,
            env=mlgate_env(project),
            writes=writes if self.prefault else 0,
        )
        case.mlgate.append(seconds)
        info: dict[str, Any] = json.loads(out)
        if "seconds" in info:
            case.inner.append(float(info["seconds"]))
        case.files_read.append(int(info.get("files_read", -1)))

    def time_dvc(self, case: Case, repo: Path, args: Sequence[str], *, writes: int = 0) -> None:
        if self.dvc is not None:
            writes = writes if self.prefault else 0
            case.dvc.append(run([self.dvc, *args], cwd=repo, env=dvc_env(), writes=writes)[0])


def bench_dataset(
    bench: Bench,
    *,
    label: str,
    m_root: Path,
    d_root: Path,
    target: str,
    victim: str,
    victim_offset: int,
    with_touch: bool,
    floor: Floor,
    when_quiet: Callable[[], None] | None = None,
) -> None:
    """All cases for one data set: ``target`` is the file/folder, ``victim`` the file changed.

    ``when_quiet`` runs after the nothing-changed cases, while the stat cache holds.
    """
    reps = bench.reps
    snap, status = ["data", "snapshot", target], ["data", "status", target]
    add, dstatus = ["add", "-q", target], ["status"]

    first = bench.case(f"{label}: first snapshot", "snapshot", "add", 3.0)

    def warm() -> None:
        warm_up(m_root / target, d_root / target)

    for rep in range(reps):
        say(f"{label}: first snapshot, repetition {rep + 1}/{reps}")
        warm()
        floor.measure()
        reset_mlgate(m_root)
        bench.time_mlgate(first, m_root, snap, writes=floor.n_bytes)
        if bench.dvc is not None:
            fresh_dvc_repo(bench.dvc, d_root, bench.cache_type)
            bench.time_dvc(first, d_root, add, writes=floor.n_bytes)

    say(f"{label}: nothing changed")
    again = bench.case(f"{label}: again, nothing changed", "snapshot", "add", 10.0)
    quiet = bench.case(f"{label}: status, nothing changed", "status", "status", 10.0)
    for _ in range(reps):
        warm()
        bench.time_mlgate(again, m_root, snap)
        bench.time_dvc(again, d_root, add)
        bench.time_mlgate(quiet, m_root, status)
        bench.time_dvc(quiet, d_root, dstatus)
    if when_quiet is not None:
        when_quiet()

    if with_touch:
        say(f"{label}: touched")
        t_snap = bench.case(f"{label}: touched (mtime only)", "snapshot", "add", 10.0)
        t_stat = bench.case(f"{label}: status after touch", "status", "status", 10.0)
        for _ in range(reps):
            warm()
            touch(m_root / victim)
            bench.time_mlgate(t_snap, m_root, snap)
            touch(m_root / victim)
            bench.time_mlgate(t_stat, m_root, status)
            touch(d_root / victim)
            bench.time_dvc(t_stat, d_root, dstatus)
            touch(d_root / victim)
            bench.time_dvc(t_snap, d_root, add)

    say(f"{label}: one byte changed")
    what = "in the file" if with_touch else "in one file"
    changed = bench.case(f"{label}: one byte changed {what}", "snapshot", "add", None)
    changed_bytes = (m_root / victim).stat().st_size
    for rep in range(reps):
        warm()
        change_one_byte(m_root / victim, offset=victim_offset, rep=rep)
        bench.time_mlgate(changed, m_root, snap, writes=changed_bytes)
        change_one_byte(d_root / victim, offset=victim_offset, rep=rep)
        bench.time_dvc(changed, d_root, add, writes=changed_bytes)


def startup_times(bench: Bench, project: Path, target: str, n: int = 10) -> list[tuple[str, float]]:
    """Median process wall time of tiny commands (import cost), ``n`` runs each."""
    env = mlgate_env(project)
    commands: list[tuple[str, list[str | Path]]] = [
        ("python -c pass (interpreter floor)", [sys.executable, "-c", "pass"]),
        ("mlgate --version", [bench.mlgate, "--version"]),
        ("mlgate --help", [bench.mlgate, "--help"]),
        (
            f"mlgate data status {target} (nothing changed)",
            [bench.mlgate, "data", "status", target],
        ),
    ]
    rows = []
    for label, cmd in commands:
        say(f"start-up: {label}")
        rows.append((label, statistics.median(run(cmd, cwd=project, env=env)[0] for _ in range(n))))
    return rows


# --- report ---------------------------------------------------------------------------------


def med(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def case_table(cases: Sequence[Case]) -> list[str]:
    lines = [
        "| case | mlgate s | DVC s | speed-up × | target | met? |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for c in cases:
        m, d = med(c.mlgate), med(c.dvc)
        speedup = d / m if m and d else None
        target = f"≥ {c.target:g}×" if c.target else "—"
        met = (
            "—"
            if c.target is None or speedup is None
            else ("yes" if speedup >= c.target else "**no**")
        )
        name = f"{c.name} (`{c.mlgate_cmd}` vs `dvc {c.dvc_cmd}`)"
        lines.append(f"| {name} | {fmt(m)} | {fmt(d)} | {fmt(speedup, 1)} | {target} | {met} |")
    return lines


def spread(values: Sequence[float]) -> str:
    return f"{min(values):.3f}–{max(values):.3f}" if values else "—"


def detail_table(cases: Sequence[Case]) -> list[str]:
    lines = [
        "| case | mlgate s: median (min–max) | in-process work s | files hashed "
        "| DVC s: median (min–max) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for c in cases:
        read = ", ".join(str(n) for n in sorted(set(c.files_read)))
        lines.append(
            f"| {c.name} | {fmt(med(c.mlgate))} ({spread(c.mlgate)}) | {fmt(med(c.inner))} "
            f"| {read} | {fmt(med(c.dvc))} ({spread(c.dvc)}) |"
        )
    return lines


def floor_table(floors: Sequence[tuple[Floor, Case]]) -> list[str]:
    lines = [
        "| data | floor s (GiB/s) | floor + fsync s | mlgate s | mlgate % of floor "
        "| in-process % of floor | mlgate % of floor + fsync | target | met? |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for floor, case in floors:
        f, fs = statistics.median(floor.seconds), statistics.median(floor.seconds_fsync)
        m, inner = statistics.median(case.mlgate), med(case.inner)
        pct = 100 * f / m
        pct_inner = 100 * f / inner if inner else None
        lines.append(
            f"| {floor.label} ({floor.n_bytes / MIB:,.0f} MiB) "
            f"| {f:.3f} ({floor.n_bytes / GIB / f:.2f}) "
            f"| {fs:.3f} | {m:.3f} | {pct:.0f} % | {fmt(pct_inner, 0)} % | {100 * fs / m:.0f} % "
            f"| ≥ 70 % | {'yes' if pct >= 70 else '**no**'} |"
        )
    return lines


def dump(path: Path, bench: Bench, floors: Sequence[Floor], startup: object) -> None:
    """Every single measurement, for whoever doubts a median."""
    data = {
        "cases": [asdict(c) for c in bench.cases],
        "floors": [
            {k: v for k, v in asdict(f).items() if k not in ("sources", "scratch")}
            | {"n_bytes": f.n_bytes}
            for f in floors
        ],
        "startup": startup,
    }
    path.write_text(json.dumps(data, indent=1, default=str))


def file_system(path: Path) -> str:
    """The type of the mount holding ``path`` (``stat -f`` says ext2/ext3 for ext4)."""
    best, kind = "", "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text().splitlines():
            fields = line.split()
            if len(fields) > 2 and str(path).startswith(fields[1]) and len(fields[1]) > len(best):
                best, kind = fields[1], fields[2]
    return kind


def versions(bench: Bench) -> list[str]:
    out = command_output
    cpu = cpu_model()
    fs = file_system(HERE)
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
    dvc = out([bench.dvc, "--version"]) if bench.dvc else "not run"
    return [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, "
        f"Linux {platform.release()}, file system {fs}",
        f"- Python {platform.python_version()}, {out([bench.mlgate, '--version'])}, "
        f"DVC {dvc}, blake3 {blake3.__version__}, numpy {np.__version__}",
        f"- link type: {bench.cache_type} "
        f"(mlgate MLGATE_LINK=auto; DVC cache.type={bench.cache_type})",
    ]


# --- main -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="64 MiB and 1,000 files")
    parser.add_argument("--workdir", type=Path, default=HERE / "_work", help="scratch folder")
    parser.add_argument("--no-dvc", action="store_true", help="skip DVC (mlgate and floor only)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions per case (median)")
    parser.add_argument(
        "--no-prefault",
        action="store_true",
        help="do not pre-touch memory before timed writes (see prefault())",
    )
    args = parser.parse_args(argv)
    scale = QUICK if args.quick else FULL
    work: Path = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()

    cache_type = "reflink" if reflink_works(work) else "copy"
    dvc = None if args.no_dvc else ensure_dvc(work / "dvc-venv")
    bench = Bench(
        mlgate=mlgate_exe(),
        dvc=dvc,
        cache_type=cache_type,
        reps=args.reps,
        prefault=not args.no_prefault,
    )

    say(f"generating data in {work} ({scale.big_label}, {scale.many_label})")
    roots = {tool: work / tool for tool in ("mlgate", "dvc")}
    many_files: list[Path] = []
    for tool, root in roots.items():
        shutil.rmtree(root, ignore_errors=True)
        generate_big(root / "big" / "data.bin", scale.big_bytes)
        files = generate_many(root / "many" / "data", scale)
        if tool == "mlgate":
            many_files = files
    os.sync()

    floor_dir = work / "floor"
    big_floor = Floor(
        scale.big_label, [roots["mlgate"] / "big" / "data.bin"], floor_dir, bench.prefault
    )
    many_floor = Floor(scale.many_label, many_files, floor_dir, bench.prefault)

    victim = many_paths(Path("data"), scale.n_files)[scale.n_files // 2].as_posix()
    startup: list[tuple[str, float]] = []

    def measure_startup() -> None:
        startup.extend(startup_times(bench, roots["mlgate"] / "big", "data.bin"))

    bench_dataset(
        bench,
        label=scale.big_label,
        m_root=roots["mlgate"] / "big",
        d_root=roots["dvc"] / "big",
        target="data.bin",
        victim="data.bin",
        victim_offset=scale.big_bytes // 2,
        with_touch=True,
        floor=big_floor,
        when_quiet=measure_startup,
    )
    first_big = bench.cases[0]
    n_big = len(bench.cases)
    bench_dataset(
        bench,
        label=scale.many_label,
        m_root=roots["mlgate"] / "many",
        d_root=roots["dvc"] / "many",
        target="data",
        victim=victim,
        victim_offset=100,
        with_touch=False,
        floor=many_floor,
    )
    first_many = bench.cases[n_big]

    load = f"{load_before[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    lines = ["## Results", "", *versions(bench), f"- load average (1 min): {load}"]
    lines += ["", "### mlgate vs DVC", ""]
    lines += case_table(bench.cases)
    lines += ["", "### Raw floor (read + BLAKE3 + copy, one Python process, warm cache)", ""]
    lines += floor_table([(big_floor, first_big), (many_floor, first_many)])
    hash_s, copy_s = statistics.median(big_floor.hash_only), statistics.median(big_floor.copy_only)
    lines += [
        "",
        f"BLAKE3 alone (memory-mapped, all cores) on the {scale.big_label}: {hash_s:.3f} s "
        f"({big_floor.n_bytes / GIB / hash_s:.2f} GiB/s); a kernel copy alone "
        f"(`shutil.copyfile`): {copy_s:.3f} s ({big_floor.n_bytes / GIB / copy_s:.2f} GiB/s).",
        "",
        "### Process start-up (median of 10)",
        "",
        "| command | s | target |",
        "| --- | ---: | --- |",
    ]
    for label, seconds in startup:
        target = "≤ 0.150" if label == "mlgate --help" else ""
        lines.append(f"| `{label}` | {seconds:.3f} | {target} |")
    lines += ["", "### Spread and mlgate detail", "", *detail_table(bench.cases)]
    print("\n".join(lines))
    dump(work / "snapshot-results.json", bench, [big_floor, many_floor], startup)
    say(f"every measurement: {work / 'snapshot-results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
