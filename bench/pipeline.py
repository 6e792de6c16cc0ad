"""Benchmark: ``mlgate run`` / ``mlgate status`` against ``dvc repro`` / ``dvc status``,
and the overhead of a fresh ``mlgate run`` over calling ``train()`` directly.

    python bench/pipeline.py [--reps N] [--workdir DIR] [--no-dvc] [--no-profile]

Both tools get the breast-cancer example of ``mlgate init`` (Parquet data, the
same ``train.py``, ``C=1.0, max_iter=1000``, one seed). DVC runs an equivalent
3-stage ``dvc.yaml`` (prepare: split into train/holdout; train: fit and pickle;
evaluate: score the holdout into ``metrics.json``) in a git-less repo, with
its own throw-away venv (``<workdir>/dvc-venv``: DVC, pandas, pyarrow and
scikit-learn at this interpreter's versions); DVC never becomes a dependency of
mlgate. Every timing is the wall time of a whole process (``time.perf_counter``
around ``subprocess.run``), the median of ``--reps`` runs; mlgate and DVC
alternate within each repetition, so they share whatever else the machine does.

When a target is missed, the script profiles the mlgate command that missed it
(``python -X importtime`` and ``cProfile``) and prints where the time goes.

Prints Markdown tables on stdout (progress goes to stderr); every measurement
goes to ``<workdir>/pipeline-results.json``. See bench/README.md.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import io
import json
import os
import platform
import pstats
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from _common import command_output, cpu_model, ensure_venv, say

HERE = Path(__file__).resolve().parent
NOOP_TARGET = 5.0  # mlgate at least 5x faster than DVC on a no-op
OVERHEAD_TARGET = 0.5  # seconds over calling train() directly
PARAMS = {"C": 1.0, "max_iter": 1000}
SEED = 0
#: Exit codes of ``mlgate run`` that are verdicts, not failures: passed, failed, needs approval.
RUN_VERDICT_CODES = (0, 1, 6)
#: The packages the DVC pipeline's scripts need, installed at this interpreter's versions.
DVC_VENV_PACKAGES = ("numpy", "pandas", "pyarrow", "scikit-learn")


# --- running processes ----------------------------------------------------------------------


@dataclass(frozen=True)
class Timed:
    """One whole-process run: wall seconds, its wall-clock start and end, its stdout."""

    seconds: float
    began: float
    ended: float
    stdout: str


def run(
    cmd: Sequence[str | Path],
    *,
    cwd: Path,
    env: dict[str, str],
    ok: Sequence[int] = (0,),
) -> Timed:
    """Run ``cmd`` and time the whole process; fails loudly on an unexpected exit code."""
    began = time.time()
    started = time.perf_counter()
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    ended = time.time()
    if proc.returncode not in ok:
        raise SystemExit(
            f"command failed ({proc.returncode}): {' '.join(map(str, cmd))} in {cwd}\n"
            f"{proc.stdout}\n{proc.stderr}"
        )
    return Timed(seconds=seconds, began=began, ended=ended, stdout=proc.stdout)


def mlgate_exe() -> Path:
    """The console script next to this interpreter (not a pyenv shim, which adds ~50 ms)."""
    here = Path(sys.executable).parent / "mlgate"
    if here.is_file():
        return here
    found = shutil.which("mlgate")
    if found is None:
        raise SystemExit("mlgate is not installed: pip install -e .")
    return Path(found)


def mlgate_env(project: Path, work: Path) -> dict[str, str]:
    """No MLGATE_* from outside; the project pinned; git never finds the repo above ``work``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLGATE_")}
    env["MLGATE_PROJECT"] = str(project)
    env["GIT_CEILING_DIRECTORIES"] = str(work)  # git-less, like the DVC repo
    return env


def dvc_env(work: Path) -> dict[str, str]:
    return {**os.environ, "DVC_NO_ANALYTICS": "1", "GIT_CEILING_DIRECTORIES": str(work)}


# --- DVC: its venv and an equivalent pipeline -----------------------------------------------


def ensure_dvc(venv: Path) -> Path:
    """DVC plus the pipeline's packages in their own venv (created once, then reused).

    ``bench/snapshot.py`` creates the same venv with DVC alone; the packages the
    pipeline's scripts import are added here, pinned to this interpreter's
    versions so both tools fit the same scikit-learn.
    """
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in DVC_VENV_PACKAGES]
    probe = (
        "import dvc, importlib.metadata as m, sys; "
        f"sys.exit(any(m.version(p.split('==')[0]) != p.split('==')[1] for p in {pins!r}))"
    )
    ensure_venv(venv, probe=probe, packages=["dvc", *pins])
    return venv / "bin" / "dvc"


PREPARE = '''\
"""Split the data into training and holdout rows."""
import sys
from pathlib import Path

import pandas as pd
import yaml

split = yaml.safe_load(Path("params.yaml").read_text())["split"]
frame = pd.read_parquet("data/breast_cancer.parquet")
holdout = frame.sample(frac=split["holdout"], random_state=split["seed"])
Path("prepared").mkdir(exist_ok=True)
frame.drop(index=holdout.index).to_parquet("prepared/train.parquet")
holdout.to_parquet("prepared/holdout.parquet")
'''

FIT = '''\
"""Fit the model with train.py's train() and pickle it."""
import pickle
from pathlib import Path

import pandas as pd
import yaml

from train import train

params = yaml.safe_load(Path("params.yaml").read_text())["train"]
seed = params.pop("seed")
model = train(pd.read_parquet("prepared/train.parquet"), params, seed)
Path("model.pkl").write_bytes(pickle.dumps(model))
'''

EVALUATE = '''\
"""Score the holdout rows: accuracy, ROC AUC and F1 into metrics.json."""
import json
import pickle
from pathlib import Path

import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

model = pickle.loads(Path("model.pkl").read_bytes())
holdout = pd.read_parquet("prepared/holdout.parquet")
x, y = holdout.drop(columns=["target"]), holdout["target"]
predicted, score = model.predict(x), model.predict_proba(x)[:, 1]
metrics = {
    "accuracy": accuracy_score(y, predicted),
    "roc_auc": roc_auc_score(y, score),
    "f1": f1_score(y, predicted),
}
Path("metrics.json").write_text(json.dumps(metrics, indent=1))
'''


def dvc_yaml(python: Path) -> str:
    py = shlex.quote(str(python))
    return f"""\
stages:
  prepare:
    cmd: {py} prepare.py
    deps: [prepare.py, data/breast_cancer.parquet]
    params: [split]
    outs: [prepared/train.parquet, prepared/holdout.parquet]
  train:
    cmd: {py} fit.py
    deps: [fit.py, train.py, prepared/train.parquet]
    params: [train]
    outs: [model.pkl]
  evaluate:
    cmd: {py} evaluate.py
    deps: [evaluate.py, model.pkl, prepared/holdout.parquet]
    metrics:
      - metrics.json:
          cache: false
"""


def make_dvc_repo(dvc: Path, repo: Path, example: Path, work: Path) -> None:
    """A fresh git-less DVC repo holding the example's data and train.py, and the 3 stages."""
    shutil.rmtree(repo, ignore_errors=True)
    (repo / "data").mkdir(parents=True)
    shutil.copy2(example / "data" / "breast_cancer.parquet", repo / "data")
    shutil.copy2(example / "train.py", repo / "train.py")
    (repo / "prepare.py").write_text(PREPARE)
    (repo / "fit.py").write_text(FIT)
    (repo / "evaluate.py").write_text(EVALUATE)
    (repo / "params.yaml").write_text(
        "split:\n  holdout: 0.2\n  seed: 0\n"
        f"train:\n  C: {PARAMS['C']}\n  max_iter: {PARAMS['max_iter']}\n  seed: {SEED}\n"
    )
    (repo / "dvc.yaml").write_text(dvc_yaml(dvc.parent / "python"))
    env = dvc_env(work)
    subprocess.run([dvc, "init", "--no-scm", "-q"], cwd=repo, env=env, check=True)
    for key, value in (
        ("core.analytics", "false"),
        ("core.check_update", "false"),
        ("core.site_cache_dir", str(repo / ".dvc" / "site-cache")),
    ):
        subprocess.run([dvc, "config", key, value], cwd=repo, env=env, check=True)


# --- mlgate projects ------------------------------------------------------------------------


def make_mlgate_project(mlgate: Path, project: Path, work: Path) -> None:
    """``mlgate init`` with ``train.seeds: 1`` (one training, like the direct call)."""
    shutil.rmtree(project, ignore_errors=True)
    run([mlgate, "init", project], cwd=project.parent, env=mlgate_env(project, work))
    spec = project / "mlgate.yaml"
    text, n = re.subn(r"(?m)^(  seeds:)\s*3\b", r"\1 1", spec.read_text())
    if n != 1:
        raise SystemExit(f"cannot find `  seeds: 3` in {spec}: the example changed")
    spec.write_text(text)


def set_c(project: Path, value: float) -> None:
    """Change ``train.params.C`` in mlgate.yaml (a param change re-runs train onwards)."""
    spec = project / "mlgate.yaml"
    text, n = re.subn(r"(?m)^(    C:)\s*\S+", rf"\g<1> {value!r}", spec.read_text())
    if n != 1:
        raise SystemExit(f"cannot find `    C:` in {spec}: the example changed")
    spec.write_text(text)


def _stamp(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


@dataclass(frozen=True)
class Breakdown:
    """Where one ``mlgate run`` process spent its wall time, in seconds, in order."""

    total: float
    parts: dict[str, float]
    cached: dict[str, bool]


def breakdown(mlgate: Path, project: Path, work: Path, timed: Timed) -> Breakdown:
    """Split a ``mlgate run --json`` process into start-up, stages and finish.

    The stage times come from ``mlgate show RUN --json`` (stage start and end);
    start-up is the process start to the run record's creation, finish the last
    stage's end to the process exit (storing the record, printing, exiting).
    """
    run_id = json.loads(timed.stdout)["id"]
    shown = json.loads(
        run([mlgate, "show", run_id, "--json"], cwd=project, env=mlgate_env(project, work)).stdout
    )
    created = _stamp(shown["run"]["created_at"])
    parts: dict[str, float] = {"start-up (imports, open stores)": created - timed.began}
    cached: dict[str, bool] = {}
    ends: dict[str, float] = {}  # per stage (the seeds of train together): its last end
    first = min(_stamp(stage["started_at"]) for stage in shown["stages"])
    for stage in shown["stages"]:
        name = stage["stage"]
        ends[name] = max(ends.get(name, 0.0), _stamp(stage["ended_at"]))
        cached[name] = cached.get(name, True) and bool(stage["cached"])
    parts["run set-up (lock, record)"] = first - created
    previous = first
    for name, end in ends.items():
        # the gap before a stage (fingerprinting it, loading its inputs) counts to it
        parts[name] = end - previous
        previous = max(previous, end)
    parts["finish (run record, reports, exit)"] = timed.ended - previous
    return Breakdown(total=timed.seconds, parts=parts, cached=cached)


DIRECT = """\
import json, sys, time
t0 = time.perf_counter()
import pandas as pd
sys.path.insert(0, {project!r})
from train import train
t1 = time.perf_counter()
frame = pd.read_parquet({data!r})
rows = frame.drop(index=frame.sample(frac=0.2, random_state=0).index)
t2 = time.perf_counter()
model = train(rows, {params!r}, {seed!r})
t3 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "read": t2 - t1, "fit": t3 - t2}}))
"""


# --- measurements ---------------------------------------------------------------------------


@dataclass
class Results:
    reps: int
    noop: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    fresh: dict[str, list[Breakdown]] = field(default_factory=dict)
    direct: list[dict[str, float]] = field(default_factory=list)
    dvc_force: list[float] = field(default_factory=list)
    noop_cached: dict[str, bool] = field(default_factory=dict)
    noop_parts: list[Breakdown] = field(default_factory=list)
    startup: dict[str, list[float]] = field(default_factory=dict)
    loads: list[float] = field(default_factory=list)

    def add_noop(self, case: str, tool: str, seconds: float) -> None:
        self.noop.setdefault(case, {}).setdefault(tool, []).append(seconds)


def measure_noop(
    res: Results, mlgate: Path, project: Path, dvc: Path | None, repo: Path, work: Path
) -> None:
    env_m, env_d = mlgate_env(project, work), dvc_env(work)
    say("mlgate: first run, second run, third run (the no-op is measured after the third)")
    last = None
    for _ in range(3):
        last = run([mlgate, "run", "--json"], cwd=project, env=env_m, ok=RUN_VERDICT_CODES)
    assert last is not None
    res.noop_cached = breakdown(mlgate, project, work, last).cached
    if dvc is not None:
        say("dvc repro (first, full), then the no-ops")
        run([dvc, "repro", "-q"], cwd=repo, env=env_d)
    for rep in range(res.reps):
        say(f"no-op rep {rep + 1}/{res.reps} (load {os.getloadavg()[0]:.1f})")
        res.loads.append(os.getloadavg()[0])
        res.add_noop(
            "run",
            "mlgate",
            run([mlgate, "run"], cwd=project, env=env_m, ok=RUN_VERDICT_CODES).seconds,
        )
        if dvc is not None:
            res.add_noop("run", "dvc", run([dvc, "repro"], cwd=repo, env=env_d).seconds)
        res.add_noop("status", "mlgate", run([mlgate, "status"], cwd=project, env=env_m).seconds)
        if dvc is not None:
            res.add_noop("status", "dvc", run([dvc, "status"], cwd=repo, env=env_d).seconds)
        # one more no-op run, with --json for its id: where the time goes (not in the table)
        timed = run([mlgate, "run", "--json"], cwd=project, env=env_m, ok=RUN_VERDICT_CODES)
        res.noop_parts.append(breakdown(mlgate, project, work, timed))
        floors: list[tuple[str, list[str | Path], Path, dict[str, str]]] = [
            ("python -c pass", [sys.executable, "-c", "pass"], project, env_m),
            ("mlgate --version", [mlgate, "--version"], project, env_m),
        ]
        if dvc is not None:
            floors.append(("dvc --version", [dvc, "--version"], repo, env_d))
        for label, cmd, cwd, env in floors:
            res.startup.setdefault(label, []).append(run(cmd, cwd=cwd, env=env).seconds)


def measure_fresh(
    res: Results,
    mlgate: Path,
    noop_project: Path,
    dvc: Path | None,
    repo: Path,
    work: Path,
) -> None:
    """Fresh runs three ways, the direct call, and (for reference) DVC's forced repro."""
    direct_py = work / "direct.py"
    direct_py.write_text(
        DIRECT.format(
            project=str(noop_project),
            data=str(noop_project / "data" / "breast_cancer.parquet"),
            params=PARAMS,
            seed=SEED,
        )
    )
    param_project = work / "mlgate-param"
    make_mlgate_project(mlgate, param_project, work)
    env_p = mlgate_env(param_project, work)
    run([mlgate, "run"], cwd=param_project, env=env_p, ok=RUN_VERDICT_CODES)
    env_n = mlgate_env(noop_project, work)
    for rep in range(res.reps):
        say(f"fresh-run rep {rep + 1}/{res.reps} (load {os.getloadavg()[0]:.1f})")
        res.loads.append(os.getloadavg()[0])
        # 1. a brand-new project: `mlgate init` (not timed), then its first run
        fresh = work / "mlgate-fresh"
        make_mlgate_project(mlgate, fresh, work)
        env_f = mlgate_env(fresh, work)
        timed = run([mlgate, "run", "--json"], cwd=fresh, env=env_f, ok=RUN_VERDICT_CODES)
        res.fresh.setdefault("first run of a new project", []).append(
            breakdown(mlgate, fresh, work, timed)
        )
        # 2. the user changed a param: train, evaluate, gate, register, deploy re-run
        set_c(param_project, round(PARAMS["C"] + 0.01 * (rep + 1), 2))
        timed = run([mlgate, "run", "--json"], cwd=param_project, env=env_p, ok=RUN_VERDICT_CODES)
        res.fresh.setdefault("param changed (train onwards)", []).append(
            breakdown(mlgate, param_project, work, timed)
        )
        # 3. `--force train` on the cached project: only train re-runs (same model)
        timed = run(
            [mlgate, "run", "--force", "train", "--json"],
            cwd=noop_project,
            env=env_n,
            ok=RUN_VERDICT_CODES,
        )
        res.fresh.setdefault("`--force train` (train only)", []).append(
            breakdown(mlgate, noop_project, work, timed)
        )
        # the direct call, in a fresh process
        timed = run([sys.executable, direct_py], cwd=noop_project, env=dict(os.environ))
        inner = json.loads(timed.stdout)
        res.direct.append({"total": timed.seconds, **inner})
        if dvc is not None:
            res.dvc_force.append(
                run([dvc, "repro", "-f", "-q"], cwd=repo, env=dvc_env(work)).seconds
            )


# --- profiling ------------------------------------------------------------------------------


#: Frames left out of the cProfile table: the interpreter, import machinery and CLI wrappers.
_WRAPPERS = ("runpy", "importlib", "typer/", "click/", "mlgate/cli/app.py", "mlgate/__main__.py")


def profile(
    mlgate_args: Sequence[str],
    project: Path,
    work: Path,
    *,
    before: Callable[[int], None] = lambda _i: None,
    top: int = 20,
) -> list[str]:
    """Where one ``mlgate`` process spends its time: imports (-X importtime) and cProfile.

    The import table sums each module's own import time by top-level package;
    the cProfile table lists the functions with the most cumulative time (lazy
    imports inside a function count to it), without the CLI's wrapper frames.
    Profiled times are inflated by the profiler: read them as shares.
    ``before(i)`` runs before each of the two processes (to make a run fresh).
    """
    env = mlgate_env(project, work)
    label = f"mlgate {' '.join(mlgate_args)}"
    before(0)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mlgate", *mlgate_args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    imports: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+\d+ \| *(\S+)", line)
        if m:
            package = m.group(2).split(".")[0]
            imports[package] = imports.get(package, 0.0) + int(m.group(1)) / 1e6
    total = sum(imports.values())
    lines = [
        f"Imports of `{label}` (`-X importtime`, each module's own time summed by package): "
        f"{total:.3f} s in all; the top 10:",
        "",
        "| package | s |",
        "| --- | ---: |",
    ]
    for package, seconds in sorted(imports.items(), key=lambda kv: -kv[1])[:10]:
        lines.append(f"| {package} | {seconds:.3f} |")
    out = work / "profile.prof"
    before(1)
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "mlgate", *mlgate_args],
        cwd=project,
        env=env,
        capture_output=True,
        check=False,
    )
    stats = pstats.Stats(str(out), stream=io.StringIO())
    rows = []
    for (file, line, name), (_cc, _nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if file == "~" or name.startswith("<") or any(w in file for w in _WRAPPERS):
            continue
        short = file.split("site-packages/")[-1].split("/src/")[-1].split("/lib/python3")[-1]
        rows.append((ct, tt, f"{short}:{line} {name}"))
    rows.sort(reverse=True)
    lines += [
        "",
        f"cProfile of `{label}` (whole process {stats.total_tt:.3f} s under the profiler; "  # type: ignore[attr-defined]
        f"top {top} by cumulative time):",
        "",
        "| function | cumulative s | own s |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| `{where}` | {ct:.3f} | {tt:.3f} |" for ct, tt, where in rows[:top]]
    return lines


# --- tables ---------------------------------------------------------------------------------


def med(values: Sequence[float]) -> float:
    return statistics.median(values)


def spread(values: Sequence[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f}"


def noop_table(res: Results) -> tuple[list[str], list[str]]:
    """The no-op table, and the cases that missed the target."""
    lines = [
        "| no-op (nothing changed) | mlgate s | DVC s | DVC / mlgate | target |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    missed = []
    names = {"run": ("`mlgate run`", "`dvc repro`"), "status": ("`mlgate status`", "`dvc status`")}
    for case, by_tool in res.noop.items():
        m = med(by_tool["mlgate"])
        d = med(by_tool["dvc"]) if "dvc" in by_tool else None
        ratio = f"{d / m:.1f}×" if d else ""
        mark = "" if d is None else (" ✓" if d / m >= NOOP_TARGET else " ✗")
        if d is not None and d / m < NOOP_TARGET:
            missed.append(case)
        ml, dv = names[case]
        lines.append(
            f"| {ml} vs {dv} | {m:.3f} ({spread(by_tool['mlgate'])}) | "
            + (f"{d:.3f} ({spread(by_tool['dvc'])})" if d else "not run")
            + f" | {ratio} | ≥ {NOOP_TARGET:g}×{mark} |"
        )
    lines += ["", "Process start-up, for scale:", "", "| command | s |", "| --- | ---: |"]
    lines += [f"| `{label}` | {med(values):.3f} |" for label, values in res.startup.items()]
    return lines, missed


def fresh_tables(res: Results) -> tuple[list[str], list[str]]:
    """The overhead table and the per-stage breakdown; the cases that missed the target."""
    direct = med([d["total"] for d in res.direct])
    fit = med([d["fit"] for d in res.direct])
    lines = [
        "| fresh run (seeds: 1) | mlgate s | direct `train()` process s | difference s | target |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    missed = []
    for case, rows in res.fresh.items():
        total = med([b.total for b in rows])
        diff = total - direct
        ok = diff <= OVERHEAD_TARGET
        if not ok:
            missed.append(case)
        lines.append(
            f"| {case} | {total:.2f} ({spread([b.total for b in rows])}) | {direct:.2f} | "
            f"{diff:+.2f} | ≤ {OVERHEAD_TARGET:g} {'✓' if ok else '✗'} |"
        )
    parts = {k: med([d[k] for d in res.direct]) for k in ("import", "read", "fit")}
    start = direct - sum(parts.values())
    lines += [
        "",
        f"Direct call, in its own process: {direct:.2f} s = interpreter start-up {start:.2f} s"
        f" + `import pandas` and `train.py` (scikit-learn) {parts['import']:.2f} s"
        f" + read the Parquet {parts['read']:.3f} s + `train()` itself {fit:.3f} s.",
    ]
    if res.dvc_force:
        lines.append(
            f"For reference, `dvc repro -f` (all 3 stages, each its own Python process): "
            f"{med(res.dvc_force):.2f} s ({spread(res.dvc_force)})."
        )
    columns = {"no-op (`run --json`)": res.noop_parts, **res.fresh}
    cases = [case for case, rows in columns.items() if rows]
    segments: list[str] = []
    for case in cases:
        rows = columns[case]
        for name in rows[0].parts:
            if name not in segments:
                segments.append(name)
    finish = "finish (run record, reports, exit)"
    segments = [s for s in segments if s != finish] + [finish]
    lines += ["", "| where mlgate's time goes (median s) | " + " | ".join(cases) + " |"]
    lines.append("| --- |" + " ---: |" * len(cases))
    for segment in segments:
        cells = []
        for case in cases:
            rows = columns[case]
            values = [b.parts[segment] for b in rows if segment in b.parts]
            cached = all(b.cached.get(segment, False) for b in rows)
            cells.append(f"{med(values):.3f}{' (cached)' if cached else ''}" if values else "")
        lines.append(f"| {segment} | " + " | ".join(cells) + " |")
    lines.append(
        "| **total (whole process)** | "
        + " | ".join(f"**{med([b.total for b in columns[c]]):.2f}**" for c in cases)
        + " |"
    )
    return lines, missed


def versions(mlgate: Path, dvc: Path | None) -> list[str]:
    out = command_output
    cpu = cpu_model()
    pkgs = ", ".join(
        f"{name} {importlib.metadata.version(name)}" for name in ("pandas", "scikit-learn")
    )
    return [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {cpu}, {os.cpu_count()} cores, Linux {platform.release()}",
        f"- Python {platform.python_version()}, {out([mlgate, '--version'])}, "
        f"DVC {out([dvc, '--version']) if dvc else 'not run'}, {pkgs}",
        f"- mlgate tree: {out(['git', '-C', HERE, 'describe', '--always', '--dirty'])}",
    ]


# --- main -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions per case (median)")
    parser.add_argument("--workdir", type=Path, default=HERE / "_work", help="scratch folder")
    parser.add_argument("--no-dvc", action="store_true", help="skip DVC")
    parser.add_argument("--no-profile", action="store_true", help="no profile of missed targets")
    args = parser.parse_args(argv)
    if args.reps < 1:
        parser.error("--reps must be at least 1")
    base: Path = args.workdir.resolve()
    work = base / "pipeline"
    work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()

    mlgate = mlgate_exe()
    dvc = None if args.no_dvc else ensure_dvc(base / "dvc-venv")
    res = Results(reps=args.reps)
    project = work / "mlgate"
    make_mlgate_project(mlgate, project, work)
    repo = work / "dvc"
    if dvc is not None:
        make_dvc_repo(dvc, repo, project, work)

    measure_noop(res, mlgate, project, dvc, repo, work)
    measure_fresh(res, mlgate, project, dvc, repo, work)

    load = f"{load_before[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    load += f", {min(res.loads):.1f}–{max(res.loads):.1f} during the repetitions"
    noop_lines, noop_missed = noop_table(res)
    fresh_lines, fresh_missed = fresh_tables(res)
    not_cached = [k for k, v in res.noop_cached.items() if not v]
    lines = ["### Results", "", *versions(mlgate, dvc), f"- load average (1 min): {load}"]
    lines += [f"- median of {args.reps} runs (min–max in brackets), whole-process wall time", ""]
    lines += ["#### No-op: nothing changed", "", *noop_lines, ""]
    lines.append(
        "The no-op `mlgate run` is timed after three runs; in the third run's record these "
        f"stages ran (not cached): {', '.join(not_cached) or 'none'}."
    )
    lines += ["", "#### Fresh run against calling `train()` directly", "", *fresh_lines]
    if not args.no_profile:
        if noop_missed:
            lines += ["", "#### Where a no-op spends its time", ""]
            for case in noop_missed:
                lines += [*profile([case], project, work), ""]
        if fresh_missed:
            lines += ["", "#### Where a fresh run spends its time (a param change)", ""]
            param_project = work / "mlgate-param"
            lines += profile(
                ["run"], param_project, work, before=lambda i: set_c(param_project, 2.0 + i)
            )
    print("\n".join(lines))
    dump = {
        "noop": res.noop,
        "noop_cached": res.noop_cached,
        "fresh": {
            case: [{"total": b.total, "parts": b.parts, "cached": b.cached} for b in rows]
            for case, rows in res.fresh.items()
        },
        "noop_parts": [{"total": b.total, "parts": b.parts} for b in res.noop_parts],
        "direct": res.direct,
        "dvc_force": res.dvc_force,
        "loads": res.loads,
        "startup": res.startup,
    }
    (base / "pipeline-results.json").write_text(json.dumps(dump, indent=1))
    say(f"every measurement: {base / 'pipeline-results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
