#!/usr/bin/env python3
"""Whole-process timing of `target/release/trustlint check` on a generated corpus at 1x,
4x and 16x size (bench/generate.py), against a Python walk-and-read baseline and, when
it can be installed, `parliament` (PyPI) on the same policies. Prints wall time, CPU time,
peak memory and the ratios. Part of `make bench`; figures go to docs/performance.md.

    bench/compare.py [--files N] [--scales 1,4,16] [--runs 3] [--no-peers]

Timing uses hyperfine when it is on PATH (`apt-get install hyperfine`), else a Python
timer (median of --runs). Peak memory is the child's maximum resident set size
(wait4 rusage). Peers are installed into target/bench-venv; a peer that cannot be
installed is skipped with a message.
"""

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRUSTLINT = ROOT / "target" / "release" / "trustlint"
WORK = ROOT / "target" / "bench"
VENV = ROOT / "target" / "bench-venv"

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402

WALK_AND_READ = """
import os, sys
n = 0
for top in sys.argv[1:]:
    for folder, _, names in os.walk(top):
        for name in names:
            if name.endswith(('.json', '.yml', '.yaml')):
                with open(os.path.join(folder, name), 'rb') as f:
                    n += len(f.read())
print(n)
"""


def run_once(command, cwd):
    """Runs `command`; returns (wall seconds, cpu seconds, peak RSS in MiB, exit code)."""
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr = child.stderr.read().decode(errors="replace") if child.stderr else ""
    if child.stderr:
        child.stderr.close()
    if child.returncode not in (0, 1):
        sys.exit(f"{' '.join(map(str, command))} failed with exit {child.returncode}:\n{stderr}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, child.returncode


def hyperfine_median(command, cwd, runs):
    with tempfile.NamedTemporaryFile(suffix=".json") as export:
        subprocess.run(
            ["hyperfine", "--style", "none", "-N", "--warmup", "1", "--runs", str(runs), "-i",
             "--export-json", export.name, shlex.join(map(str, command))],
            cwd=cwd, check=True, stdout=subprocess.DEVNULL)
        return json.load(open(export.name))["results"][0]["median"]


def measure(command, cwd, runs):
    """Median wall time (hyperfine or Python), and CPU and peak memory of one more run."""
    if runs > 1 and shutil.which("hyperfine"):
        wall = hyperfine_median(command, cwd, runs)
    else:
        walls = [run_once(command, cwd)[0] for _ in range(runs)]
        wall = statistics.median(walls)
    _, cpu, rss, _ = run_once(command, cwd)
    return {"wall": wall, "cpu": cpu, "rss": rss}


def corpus(files):
    """The generated corpus of `files` files, written once and reused while unchanged."""
    target = WORK / f"corpus-{files}"
    stamp = target / ".generated"
    if not stamp.exists():
        counts = generate.generate(target, files, seed=9)
        stamp.write_text(json.dumps(counts))
    counts = json.loads(stamp.read_text())
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file() and p.name != ".generated")
    return target, counts, size


def trustlint(paths):
    return [TRUSTLINT, "check", *paths, "--format", "json", "--output", os.devnull, "--fail-on", "never"]


def parliament():
    """The parliament executable in the bench venv, installing it when needed; None and a
    message when it cannot be installed."""
    exe = VENV / "bin" / "parliament"
    if exe.exists():
        return exe
    print(f"installing parliament into {VENV} ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([VENV / "bin" / "pip", "install", "--quiet", "parliament"], check=True)
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"SKIPPED parliament: cannot install it ({error})")
        return None
    return exe if exe.exists() else None


def row(name, result, files, base=None):
    ratio = f"{result['wall'] / base:8.1f}x" if base else " " * 9
    print(f"  {name:<34} {result['wall'] * 1000:9.1f} ms  {result['cpu'] * 1000:9.1f} ms cpu"
          f"  {result['rss']:7.1f} MiB  {result['wall'] / files * 1e6:8.1f} us/file {ratio}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=3000, help="files in the 1x corpus (default 3000)")
    parser.add_argument("--scales", default="1,4,16", help="corpus multiples (default 1,4,16)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per command (default 3)")
    parser.add_argument("--no-peers", action="store_true", help="skip parliament")
    args = parser.parse_args()
    if not TRUSTLINT.exists():
        sys.exit(f"{TRUSTLINT} is missing: run `make build` first")
    timer = "hyperfine" if shutil.which("hyperfine") else "python timer"
    print(f"machine: {os.cpu_count()} cpus, {cpu_model()}; timing: {timer}, median of {args.runs}")
    print(f"{'':36} {'wall':>12} {'cpu':>16} {'peak RSS':>12} {'per file':>16} ratio")

    first = None
    for scale in [int(s) for s in args.scales.split(",")]:
        files = args.files * scale
        target, counts, size = corpus(files)
        print(f"{scale}x: {files} files ({', '.join(f'{v} {k}' for k, v in counts.items())}), "
              f"{size / 1e6:.1f} MB in {target.relative_to(ROOT)}")
        check = measure(trustlint(["."]), target, args.runs)
        walk = measure([sys.executable, "-c", WALK_AND_READ, "."], target, args.runs)
        row("trustlint check", check, files)
        row("python walk+read (reference)", walk, files)
        print(f"  trustlint takes {check['wall'] / walk['wall']:.1f}x the time of walking and reading in Python")
        if first is None:
            first = (scale, check)
        else:
            growth = check["wall"] / first[1]["wall"]
            print(f"  cost vs {first[0]}x: {growth:.2f}x time for {scale // first[0]}x input")

    if args.no_peers:
        print("peers skipped (--no-peers)")
        return
    exe = parliament()
    if exe is None:
        return
    target, counts, _ = corpus(args.files)
    policies = counts["trust"] + counts["permissions"]
    print(f"peer: parliament on the {policies} policies of the 1x corpus (one run)")
    ours = measure(trustlint(["trust", "permissions"]), target, args.runs)
    theirs = measure([exe, "--directory", ".", "--include_policy_extension", "json", "--json"], target, 1)
    row("trustlint check trust/ permissions/", ours, policies)
    row("parliament --directory", theirs, policies, ours["wall"])
    print(f"  trustlint is {theirs['wall'] / ours['wall']:.1f}x faster than parliament, "
          f"using {ours['rss']:.1f} MiB against {theirs['rss']:.1f} MiB")


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
