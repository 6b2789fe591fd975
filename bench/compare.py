#!/usr/bin/env python3
"""Whole-process timing of `target/release/trustlint check` on a generated corpus at 1x,
4x and 16x size (bench/generate.py), against a Python walk-and-read baseline and two peer
tools on the 1x corpus: `parliament` (PyPI) on the policies, and `checkov` (PyPI) on the
Terraform modules and pipelines. Prints wall time, CPU time, peak memory, the ratios, and
a summary of the targets (250x parliament, 400x checkov, peak memory under 100 MB, cost
linear in input size). Part of `make bench`; figures go to docs/performance.md.

    bench/compare.py [--files N] [--scales 1,4,16] [--runs 3] [--no-peers]
    bench/compare.py --shapes [--runs 3]
    bench/compare.py --classes [--files N] [--runs 3]

With --shapes it times the scale shapes of issue 27 instead (bench/generate.py
--shapes, written once into target/bench/shapes): a flat Terraform root (200 files in
one folder) beside the same files one per folder, one policy of 25 000 statements in two
shapes, pipelines whose jobs all link to roles of the same scan, and an
organisation-wide mix of 30 000 files, each beside its floor (the split folders, or
walk_and_read parsing the same files), the mix also beside a 1/16 slice of it (the
corpus generator at 1/16 of the size), with the targets of docs/performance.md.

With --classes it times each input class of the 1x corpus alone (its trust policies,
permissions policies, pipelines and Terraform modules) beside its floor, walk_and_read
parsing the same files, and trustlint loading them alone (`--select TL001`), with the
target of issue 27: every class within 2x of its parse-only floor, trust policies within 3x.

Beside each peer it times the floors under any tool's time on the same files: trustlint
loading them without analysis (`--select TL001`), and `walk_and_read` (examples/, built by
`make bench`) reading them on every core, then reading and parsing them with trustlint's
syntax parsers (`--parse`). A peer's time over a floor is the most a tool doing at least
that much could be faster than the peer here; the summary prints these ceilings beside
each target.

Timing uses hyperfine when it is on PATH (`apt-get install hyperfine`), else a Python
timer (median of --runs, wall and CPU time alike); every command, trustlint's and the
peers', is measured the same way. Peak memory is the command's maximum resident set size (the largest of it and
the descendants it waited for, not their sum), read by GNU time (`/usr/bin/time -f %M`)
when installed: Linux counts into a process's peak the memory of the process it was
forked from, so a command started by this script directly never shows less than the
script's own size (about 20-60 MiB); without GNU time the figures come from wait4 and
say so.

The peers are installed with pip into target/bench-venv on first use; a peer that cannot
be installed is skipped with a message, and one whose run fails is reported. checkov runs
as `checkov -d DIR --framework terraform gitlab_ci --skip-download --quiet --compact -o
json` on a folder holding only the corpus's terraform/ and pipelines/ (hard links), with
BC_SKIP_MAPPING=TRUE and CKV_SKIP_PACKAGE_UPDATE_CHECK=true so that it contacts no host.
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
WALK_AND_READ_RS = ROOT / "target" / "release" / "examples" / "walk_and_read"
WORK = ROOT / "target" / "bench"
VENV = ROOT / "target" / "bench-venv"

# How many times faster than each peer trustlint should be, and its peak memory (MB).
TARGETS = {"parliament": 250, "checkov": 400}
MEMORY_TARGET_MB = 100
# The floors no tool that reads (and parses, as trustlint does) the files can go below,
# the higher floor (the lower ceiling) first; "loading" (trustlint's model) gives a
# ceiling too, but not a hard one.
HARD_FLOORS = ("reading and parsing", "reading")
# Per-file time at the largest scale may be this much above the smallest's and still count
# as linear (timing noise, and the fixed start-up cost shrinking per file).
LINEAR_SLACK = 1.25

# checkov without network: --skip-download (same as BC_SKIP_MAPPING=TRUE) skips the Prisma
# Cloud policy metadata; CKV_SKIP_PACKAGE_UPDATE_CHECK skips the version check against
# pypi.org that checkov otherwise makes when it starts (checkov/common/util/banner.py).
CHECKOV_ENV = {"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"}

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402

WALK_AND_READ = """
import os, sys
n = 0
for top in sys.argv[1:]:
    for folder, _, names in os.walk(top):
        for name in names:
            if name.endswith(('.json', '.yml', '.yaml', '.tf')):
                with open(os.path.join(folder, name), 'rb') as f:
                    n += len(f.read())
print(n)
"""


class PeerFailed(Exception):
    """A peer tool's run exited with an unexpected code."""


def gnu_time():
    """The path of GNU time, or None when there is none."""
    path = shutil.which("time")
    try:
        # Some versions print their version on stderr.
        version = subprocess.run([path, "--version"], capture_output=True, text=True) if path else None
        if version and "GNU" in version.stdout + version.stderr:
            return path
    except OSError:
        pass
    return None


GNU_TIME = gnu_time()


def run_once(command, cwd, env=None, peer=False, memory=False):
    """Runs `command`; returns (wall seconds, cpu seconds, peak RSS in MiB). Exit codes 0
    and 1 (findings) are success; any other stops the script, or raises PeerFailed for a
    peer tool. With `memory`, the command runs under GNU time when installed, for its
    true peak (see the module's comment); the wall time then includes starting GNU time."""
    with tempfile.TemporaryFile() as stderr, tempfile.NamedTemporaryFile(mode="r") as peak:
        timed = memory and GNU_TIME
        wrapped = [GNU_TIME, "-f", "%M", "-o", peak.name, *command] if timed else command
        start = time.perf_counter()
        child = subprocess.Popen(wrapped, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        # GNU time writes the kilobytes last, after any "Command exited with" line.
        lines = peak.read().split() if timed else []
        rss = int(lines[-1]) / 1024 if lines and lines[-1].isdigit() else usage.ru_maxrss / 1024
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode not in (0, 1):
            stderr.seek(0)
            tail = stderr.read().decode(errors="replace")[-2000:]
            message = f"{shlex.join(map(str, command))} failed with exit {child.returncode}:\n{tail}"
            if peer:
                raise PeerFailed(message)
            sys.exit(message)
    return wall, usage.ru_utime + usage.ru_stime, rss


def hyperfine_median(command, cwd, runs, env):
    with tempfile.NamedTemporaryFile(suffix=".json") as export:
        subprocess.run(
            ["hyperfine", "--style", "none", "-N", "--runs", str(runs), "-i",
             "--export-json", export.name, shlex.join(map(str, command))],
            cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
        result = json.load(open(export.name))["results"][0]
        return result["median"], result["user"] + result["system"]


def measure(command, cwd, runs, env=None, peer=False):
    """Peak memory of one run (which also checks the exit code and warms the caches),
    then the median wall time of `runs` more (hyperfine or Python) and their CPU time:
    hyperfine's mean, or the median of the same runs (one cold run alone was seen at
    twice the warm median)."""
    _, cpu, rss = run_once(command, cwd, env, peer, memory=True)
    if runs > 1 and shutil.which("hyperfine"):
        wall, cpu = hyperfine_median(command, cwd, runs, env)
    elif runs > 1:
        timings = [run_once(command, cwd, env, peer) for _ in range(runs)]
        wall = statistics.median(timing[0] for timing in timings)
        cpu = statistics.median(timing[1] for timing in timings)
    else:
        wall = run_once(command, cwd, env, peer)[0]
    return {"wall": wall, "cpu": cpu, "rss": rss}


def corpus(files):
    """The generated corpus of `files` files, written once and reused while its stamp
    says it is of the current format and size."""
    target = WORK / f"corpus-{files}"
    stamp = target / ".generated"
    try:
        recorded = json.loads(stamp.read_text())
    except (OSError, ValueError):
        recorded = {}
    if not isinstance(recorded, dict) or recorded.get("format") != generate.FORMAT or recorded.get("files") != files:
        generate.generate(target, files, seed=9)
        recorded = json.loads(stamp.read_text())
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file() and p.name != ".generated")
    return target, recorded["counts"], size


def only(target, kinds):
    """A folder beside `target` holding only its `kinds` subfolders (hard links), for a
    tool that takes one directory."""
    folder = WORK / f"{target.name}-{'-'.join(kinds)}"
    if folder.exists():
        shutil.rmtree(folder)
    for kind in kinds:
        shutil.copytree(target / kind, folder / kind, copy_function=os.link)
    return folder


def trustlint(paths):
    return [TRUSTLINT, "check", *paths, "--format", "json", "--output", os.devnull, "--fail-on", "never"]


def install(package):
    """The executable of PyPI `package` in the bench venv, installing it when needed; None,
    with a SKIPPED message, when it cannot be installed."""
    exe = VENV / "bin" / package
    if exe.exists():
        return exe
    print(f"installing {package} into {VENV} ...", flush=True)
    try:
        if not (VENV / "bin" / "pip").exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([VENV / "bin" / "pip", "install", "--quiet", package], check=True)
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"SKIPPED {package}: cannot install it ({error})")
        return None
    if not exe.exists():
        print(f"SKIPPED {package}: pip installed it but there is no {exe}")
        return None
    return exe


def version(package):
    result = subprocess.run([VENV / "bin" / "python", "-c",
                             f"import importlib.metadata as m; print(m.version({package!r}))"],
                            capture_output=True, text=True)
    return result.stdout.strip() or "(unknown version)"


def row(name, result, files, base=None):
    ratio = f"{result['wall'] / base:8.1f}x" if base else " " * 9
    print(f"  {name:<44} {result['wall'] * 1000:9.1f} ms  {result['cpu'] * 1000:9.1f} ms cpu"
          f"  {result['rss']:7.1f} MiB  {result['wall'] / files * 1e6:8.1f} us/file {ratio}")


def compare(name, what, paths, command, cwd, files, runs, env=None):
    """Times `trustlint check PATHS` and peer `name`'s `command` on the same files in `cwd`;
    returns how many times faster trustlint is and the ceilings (how many times faster
    than the peer each floor is, by name), or "failed". The floors: trustlint loading the
    same files with the analysis off (`--select TL001`: reading, parsing and building the
    model; the secret rules still run, as they always do), and, when built, walk_and_read
    reading them, then reading and parsing them (syntax only). However fast the analysis,
    a tool that does at least that much is at most that many times faster than the peer."""
    print(f"peer: {name} {version(name)} on {what} of the 1x corpus (median of {runs})")
    print(f"  in {cwd.relative_to(ROOT)}: {shlex.join(str(c) if i else name for i, c in enumerate(command))}")
    ours = measure(trustlint(paths), cwd, runs)
    row(f"trustlint check {' '.join(paths)}", ours, files)
    floors = {"loading": measure(trustlint(paths) + ["--select", "TL001"], cwd, runs)}
    row("  the same, loading only (--select TL001)", floors["loading"], files)
    if WALK_AND_READ_RS.exists():
        floors["reading and parsing"] = measure([WALK_AND_READ_RS, "--parse", *paths], cwd, runs)
        row("  reading + parsing (walk_and_read --parse)", floors["reading and parsing"], files)
        floors["reading"] = measure([WALK_AND_READ_RS, *paths], cwd, runs)
        row("  reading alone (walk_and_read)", floors["reading"], files)
    else:
        print(f"  (no {WALK_AND_READ_RS.relative_to(ROOT)}: reading floors not measured;"
              " `cargo build --release --example walk_and_read`)")
    try:
        theirs = measure(command, cwd, runs, env, peer=True)
    except PeerFailed as error:
        print(f"  FAILED {name}: {error}")
        return "failed"
    row(name, theirs, files, ours["wall"])
    ratio = theirs["wall"] / ours["wall"]
    ceilings = {floor: theirs["wall"] / result["wall"] for floor, result in floors.items()}
    print(f"  trustlint is {ratio:.1f}x faster than {name} (target {TARGETS[name]}x), "
          f"using {ours['rss']:.1f} MiB against {theirs['rss']:.1f} MiB; "
          + ", ".join(f"{floor} alone is {ceiling:.1f}x faster" for floor, ceiling in ceilings.items()))
    budget = theirs["wall"] / TARGETS[name]
    for floor in HARD_FLOORS:
        if floor in floors and floors[floor]["wall"] > budget:
            print(f"  out of reach here: {TARGETS[name]}x faster than {name} is {budget * 1000:.1f} ms,"
                  f" and {floor} the files alone takes {floors[floor]['wall'] * 1000:.1f} ms")
            break
    return ratio, ceilings


# The organisation-wide mix's target (issue 27): its peak memory, and its time beside
# 16 times that of a 1/16 slice (the corpus generator at a 16th of the size, same seed).
ORG_GOAL = "under 500 MB, and within 16 x 1.1 of a 1/16 slice"
ORG_PEAK_MB = 500
SLICES = 16

# The scale shapes: (name, the folder trustlint checks, the floor: ("split", FOLDER) for
# the same files checked by trustlint in other folders, ("parse", FOLDER) for
# walk_and_read --parse of the same files, ("sum", [FOLDER, ...]) for the sum of
# trustlint checking each part alone), and the target, if any.
SHAPES = [
    ("flat Terraform root, 200 files in one folder", "flat-terraform/one-folder",
     ("split", "flat-terraform/folders"), "within 1.5x of the same files one per folder"),
    ("one policy, 25 000 statements (varied)", "big-policy/varied", ("parse", "big-policy/varied"),
     "under 1 s and 200 MB"),
    ("one policy, 25 000 statements (3 S3 actions, 1 bucket each)", "big-policy/bucket",
     ("parse", "big-policy/bucket"), "under 1 s and 200 MB"),
    (f"{generate.LINKED_PIPELINES} pipelines whose jobs all assume {generate.LINKED_PIPELINES} roles of the scan",
     "linked", ("sum", ["linked/pipelines", "linked/terraform"]),
     "within 1.5x of the sum of the two parts alone, time and memory"),
    ("organisation-wide mix, 30 000 files", "org", ("parse", "org"), ORG_GOAL),
]


# Issue 27's per-class targets: how many times its parse-only floor each input class of the
# generated corpus may take (wall and CPU), the trust policies' own checking target
# beside the class target.
CLASS_FLOOR_RATIO = 2.0
TRUST_FLOOR_RATIO = 3.0


def classes(files, runs):
    """Times each input class of the corpus alone beside its parse-only floor and says
    whether it is within CLASS_FLOOR_RATIO of it (trust also TRUST_FLOOR_RATIO)."""
    if not WALK_AND_READ_RS.exists():
        sys.exit(f"{WALK_AND_READ_RS} is missing: `cargo build --release --example walk_and_read`")
    target, counts, _ = corpus(files)
    print(f"input classes of {target.relative_to(ROOT)} (median of {runs}):")
    print(f"{'':46} {'wall':>12} {'cpu':>16} {'peak RSS':>12} {'per file':>16} ratio")
    for kind, count in counts.items():
        print(f"{kind} ({count} files):")
        ours = measure(trustlint([kind]), target, runs)
        row("trustlint check", ours, count)
        row("  loading only (--select TL001)", measure(trustlint([kind]) + ["--select", "TL001"], target, runs), count)
        floor = measure([WALK_AND_READ_RS, "--parse", kind], target, runs)
        row("  floor: walk_and_read --parse", floor, count)
        wall, cpu = ours["wall"] / floor["wall"], ours["cpu"] / floor["cpu"]
        goals = [CLASS_FLOOR_RATIO] + ([TRUST_FLOOR_RATIO] if kind == "trust" else [])
        verdicts = "; ".join(f"target within {goal:g}x: {'met' if max(wall, cpu) <= goal else 'NOT met'}"
                             for goal in goals)
        print(f"  {wall:.2f}x its floor in wall, {cpu:.2f}x in cpu; {verdicts}")


def shapes(runs):
    """Times each scale shape beside its floor and says which target is met."""
    target = WORK / "shapes"
    stamp = target / ".generated"
    try:
        recorded = json.loads(stamp.read_text())
    except (OSError, ValueError):
        recorded = {}
    if (not isinstance(recorded, dict) or recorded.get("format") != generate.FORMAT
            or recorded.get("shapes", {}).get("linked") != generate.LINKED_PIPELINES):
        print(f"writing the scale shapes into {target.relative_to(ROOT)} ...", flush=True)
        generate.generate_shapes(target, seed=9)
    print(f"scale shapes in {target.relative_to(ROOT)} (median of {runs}):")
    print(f"{'':46} {'wall':>12} {'cpu':>16} {'peak RSS':>12} {'per file':>16} ratio")
    for name, folder, (kind, floor_folder), goal in SHAPES:
        files = sum(1 for p in (target / folder).rglob("*") if p.is_file())
        print(f"{name}:")
        ours = measure(trustlint([folder]), target, runs)
        row("trustlint check", ours, files)
        if kind == "split":
            floor = measure(trustlint([floor_folder]), target, runs)
            row("  floor: the same files, one per folder", floor, files, None)
        elif kind == "sum":
            parts = [measure(trustlint([part]), target, runs) for part in floor_folder]
            for part, result in zip(floor_folder, parts):
                row(f"  {part} alone", result, files, None)
            floor = {key: sum(part[key] for part in parts) for key in ["wall", "cpu", "rss"]}
            row("  floor: the sum of the parts alone", floor, files, None)
        elif WALK_AND_READ_RS.exists():
            floor = measure([WALK_AND_READ_RS, "--parse", floor_folder], target, runs)
            row("  floor: reading + parsing (walk_and_read --parse)", floor, files, None)
        else:
            floor = None
            print("  (no walk_and_read: parse floor not measured)")
        ratio = f"{ours['wall'] / floor['wall']:.2f}x its floor" if floor else "no floor"
        verdict = ""
        if kind == "sum":
            ratio += f" ({ours['cpu'] / floor['cpu']:.2f}x in cpu, {ours['rss'] / floor['rss']:.2f}x in memory)"
            met = ours["wall"] <= 1.5 * floor["wall"] and ours["rss"] <= 1.5 * floor["rss"]
            verdict = f"; target {goal}: {'met' if met else 'NOT met'}"
        elif goal and goal.startswith("within"):
            verdict = f"; target {goal}: {'met' if floor and ours['wall'] <= 1.5 * floor['wall'] else 'NOT met'}"
        elif goal == ORG_GOAL:
            verdict = org_verdict(ours, recorded_org_files(target), runs)
        elif goal:
            met = ours["wall"] < 1.0 and ours["rss"] * 1.048576 < 200
            verdict = f"; target {goal}: {'met' if met else 'NOT met'}"
        print(f"  {ratio}{verdict}")


def recorded_org_files(target):
    """How many files the organisation-wide mix was generated with."""
    return json.loads((target / ".generated").read_text())["shapes"]["org"]


def org_verdict(whole, files, runs):
    """Times a 1/16 slice of the organisation-wide mix (printing its row) and says
    whether the whole stays under its peak memory and within 16 x 1.1 of the slice, in
    wall and in CPU time."""
    folder, _, _ = corpus(files // SLICES)
    part = measure(trustlint(["."]), folder, runs)
    row(f"  a 1/{SLICES} slice ({files // SLICES} files)", part, files // SLICES)
    wall = whole["wall"] / (SLICES * part["wall"])
    cpu = whole["cpu"] / (SLICES * part["cpu"])
    met = whole["rss"] * 1.048576 < ORG_PEAK_MB and max(wall, cpu) <= 1.1
    return (f"; the whole over {SLICES}x the slice: {wall:.2f}x wall, {cpu:.2f}x cpu;"
            f" peak {whole['rss'] * 1.048576:.0f} MB ({whole['rss'] / part['rss']:.1f}x the slice's);"
            f" target {ORG_GOAL}: {'met' if met else 'NOT met'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=3000, help="files in the 1x corpus (default 3000)")
    parser.add_argument("--scales", default="1,4,16", help="corpus multiples (default 1,4,16)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per command (default 3)")
    parser.add_argument("--no-peers", action="store_true", help="skip parliament and checkov")
    parser.add_argument("--shapes", action="store_true", help="time the scale shapes instead (issue 27)")
    parser.add_argument("--classes", action="store_true",
                        help="time each input class of the 1x corpus beside its parse floor instead (issue 27)")
    args = parser.parse_args()
    if not TRUSTLINT.exists():
        sys.exit(f"{TRUSTLINT} is missing: run `make build` first")
    if args.shapes:
        shapes(args.runs)
        return
    if args.classes:
        classes(args.files, args.runs)
        return
    timer = "hyperfine" if args.runs > 1 and shutil.which("hyperfine") else "python timer"
    memory = "GNU time" if GNU_TIME else "wait4, at least this script's own size (no GNU time)"
    print(f"machine: {os.cpu_count()} cpus, {cpu_model()}; timing: {timer}, median of {args.runs};"
          f" peak RSS: {memory}")
    print(f"{'':46} {'wall':>12} {'cpu':>16} {'peak RSS':>12} {'per file':>16} ratio")

    scales = sorted(int(s) for s in args.scales.split(","))
    checks = {}
    for scale in scales:
        files = args.files * scale
        target, counts, size = corpus(files)
        print(f"{scale}x: {files} files ({', '.join(f'{v} {k}' for k, v in counts.items())}), "
              f"{size / 1e6:.1f} MB in {target.relative_to(ROOT)}")
        check = measure(trustlint(["."]), target, args.runs)
        walk = measure([sys.executable, "-c", WALK_AND_READ, "."], target, args.runs)
        row("trustlint check", check, files)
        row("python walk+read (reference)", walk, files)
        print(f"  trustlint takes {check['wall'] / walk['wall']:.1f}x the time of walking and reading in Python")
        if checks:
            growth = check["wall"] / checks[scales[0]]["wall"]
            print(f"  cost vs {scales[0]}x: {growth:.2f}x time for {scale // scales[0]}x input")
        checks[scale] = check

    ratios = {}
    if args.no_peers:
        ratios = dict.fromkeys(TARGETS, "skipped (--no-peers)")
    else:
        target, counts, _ = corpus(args.files)
        exe = install("parliament")
        if exe is None:
            ratios["parliament"] = "skipped (not installed)"
        else:
            # parliament --directory reads only the *.json files: the trust and permissions policies
            ratios["parliament"] = compare(
                "parliament", f"the {counts['trust'] + counts['permissions']} policies",
                ["trust", "permissions"],
                [exe, "--directory", ".", "--include_policy_extension", "json", "--json"],
                target, counts["trust"] + counts["permissions"], args.runs)
        exe = install("checkov")
        if exe is None:
            ratios["checkov"] = "skipped (not installed)"
        else:
            folder = only(target, ["terraform", "pipelines"])
            ratios["checkov"] = compare(
                "checkov", f"the {counts['terraform']} Terraform modules and {counts['pipelines']} pipelines",
                ["terraform", "pipelines"],
                [exe, "-d", ".", "--framework", "terraform", "gitlab_ci", "--skip-download",
                 "--quiet", "--compact", "-o", "json"],
                folder, counts["terraform"] + counts["pipelines"], args.runs, {**os.environ, **CHECKOV_ENV})
            if isinstance(ratios["checkov"], tuple):
                print("  (checkov forks worker processes: its peak RSS is its largest process's, not their sum)")

    summary(ratios, scales, checks)


def summary(ratios, scales, checks):
    def verdict(ok):
        return "met" if ok else "NOT met"

    print("summary:")
    for name, target in TARGETS.items():
        result = ratios[name]
        if isinstance(result, tuple):
            ratio, ceilings = result
            print(f"  {name:<12} trustlint {ratio:.1f}x faster (target {target}x): {verdict(ratio >= target)}"
                  f" (ceilings, without analysis: "
                  + ", ".join(f"{floor} {ceiling:.1f}x" for floor, ceiling in ceilings.items()) + ")")
            below = [floor for floor in HARD_FLOORS if ceilings.get(floor, target) < target]
            if below:
                print(f"  {'':<12} out of reach here: {below[0]} the files alone is only"
                      f" {ceilings[below[0]]:.1f}x faster than {name}")
        else:
            print(f"  {name:<12} not measured, {result} (target {target}x)")
    # The memory target is for the generated corpus itself (the 1x size, a few thousand
    # files); the larger scales show how memory grows.
    base = checks[scales[0]]
    largest = checks[scales[-1]]
    megabytes = base["rss"] * 1.048576
    print(f"  {'memory':<12} trustlint peak RSS {base['rss']:.1f} MiB = {megabytes:.1f} MB on the {scales[0]}x corpus"
          f" (target < {MEMORY_TARGET_MB} MB): {verdict(megabytes < MEMORY_TARGET_MB)};"
          f" {largest['rss']:.1f} MiB on the {scales[-1]}x corpus")
    if len(scales) > 1:
        growth = largest["wall"] / checks[scales[0]]["wall"]
        size = scales[-1] // scales[0]
        print(f"  {'linearity':<12} {size}x input took {growth:.2f}x time (target linear, at most "
              f"{LINEAR_SLACK * size:.1f}x): {verdict(growth <= LINEAR_SLACK * size)}")


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
