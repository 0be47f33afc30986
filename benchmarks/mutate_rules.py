"""Mutation smoke for the compliance rules (issue 22, item 6): run by hand, not part of the suite.

Flips, one at a time, each comparison operator and each threshold number of

- ``rules/obligations/*.ttl`` -- the comparisons in the rules' SPARQL (FILTER and BIND lines);
  each of ``<  <=  >  >=  =  !=`` is replaced by each of the other five, and each integer
  operand (``+ 10``, ``> 0``) moved one up and one down;
- ``rules/standards.ttl`` -- each ``ml:minIndependentSources`` one up and one down, each
  ``ml:minReliability`` / ``ml:minCredibility`` one grade up and one down, each
  ``ml:interestedOnlyAllowed`` / ``ml:disputedAllowed`` flipped;
- ``src/minelaw/reasoning/{applicability,jurisdiction,lawdata}.py`` -- each comparison
  operator flipped at its boundary and negated (``<`` -> ``<=``, ``>=``; ``==`` -> ``!=``; ...),

and runs the rule cases of ``tests/rules/`` against each mutant with the harness's own test
function (``tests/test_rules.py::test_rule_case``), stopping at the first case that fails: the
mutant is *killed* by that case, or it *survives* every case.  A mutant of one rule file runs
that rule's cases only (no other case asserts on its findings); the other mutants run every
case, and a mutant of ``rules/standards.ttl`` then also the check of
``tests/test_standards_table.py`` (the table briefs print is what the weighing does: some rows
of the table change no finding, see that module).  Only rule cases and that check are run, so a
kill is never a golden's.

The mutants are made in a copy of the repository (``src``, ``rules``, ``ontology``,
``kb/law``, ``tests``) in a temporary folder, so the checkout is never touched; each mutant runs
in a fresh interpreter (``PYTHONPATH`` pointing into the copy, no bytecode cache) with a
persistent ``MINELAW_CACHE`` so that the entry-shape results are validated once.

    python benchmarks/mutate_rules.py                      # everything (about an hour)
    python benchmarks/mutate_rules.py --only rules --match art10
    python benchmarks/mutate_rules.py --only standards --out /tmp/mutants.json

Prints a table of killed / total by file and the surviving mutants (location and change).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tokenize
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPS = ["<", "<=", ">", ">=", "=", "!="]
PY_FLIPS = {
    "<": ["<=", ">="],
    "<=": ["<", ">"],
    ">": [">=", "<="],
    ">=": [">", "<"],
    "==": ["!="],
    "!=": ["=="],
}
PY_FILES = ["applicability.py", "jurisdiction.py", "lawdata.py"]
GRADES = {"Reliability": "ABCDEF", "Credibility": "123456"}
TABLE_CHECK = "test_standards_table.py"


@dataclass
class Mutant:
    file: str  # relative to the repository root
    line: int
    offset: int  # character offset of the change in the file
    old: str
    new: str
    cases: str  # "rule:<norm>", "standards" (every case, then the table check) or "all"
    outcome: str = ""  # killed | survived | error
    killer: str = ""
    seconds: float = 0.0

    def describe(self) -> str:
        return f"{self.file}:{self.line}: {self.old!r} -> {self.new!r}"


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def rule_mutants(path: Path) -> list[Mutant]:
    """Comparisons and integer operands in the SPARQL of a compliance shape (inside its
    triple-quoted literals, comments excluded)."""
    text = path.read_text(encoding="utf-8")
    rel = path.relative_to(ROOT).as_posix()
    norm = path.stem
    out: list[Mutant] = []
    pos = 0
    in_sparql = False
    for raw in text.splitlines(keepends=True):
        quotes = raw.count('"""')
        code = raw.split("#", 1)[0] if in_sparql else ""
        in_sparql ^= quotes % 2 == 1
        for m in re.finditer(r"(?<=\s)(<=|>=|!=|<|>|=)(?=\s)", code):
            for new in OPS:
                if new != m.group(1):
                    out.append(
                        Mutant(
                            rel,
                            _line_of(text, pos),
                            pos + m.start(),
                            m.group(1),
                            new,
                            f"rule:{norm}",
                        )
                    )
        for m in re.finditer(r"(?<=[+\-*/<>=] )(\d+)(?=[\s)])", code):
            n = int(m.group(1))
            for k in (n - 1, n + 1):
                if k >= 0:
                    out.append(
                        Mutant(
                            rel,
                            _line_of(text, pos),
                            pos + m.start(),
                            m.group(1),
                            str(k),
                            f"rule:{norm}",
                        )
                    )
        pos += len(raw)
    return out


def standards_mutants(path: Path) -> list[Mutant]:
    text = path.read_text(encoding="utf-8")
    rel = path.relative_to(ROOT).as_posix()
    out: list[Mutant] = []

    def add(start: int, old: str, new: str) -> None:
        if text[text.rfind("\n", 0, start) + 1 :].lstrip().startswith("#"):
            return  # the comment that explains the table
        out.append(Mutant(rel, _line_of(text, start), start, old, new, "standards"))

    for m in re.finditer(r"ml:minIndependentSources (\d+)", text):
        n = int(m.group(1))
        for new in (n - 1, n + 1):
            if new >= 0:
                add(m.start(1), m.group(1), str(new))
    grade = r"ml:min(Reliability|Credibility) mlv:(?:reliability|credibility)-(\w)"
    for m in re.finditer(grade, text):
        scale = GRADES[m.group(1)]
        i = scale.index(m.group(2))
        for j in (i - 1, i + 1):
            if 0 <= j < len(scale):
                add(m.start(2), m.group(2), scale[j])
    for m in re.finditer(r"ml:(?:interestedOnlyAllowed|disputedAllowed) (true|false)", text):
        add(m.start(1), m.group(1), "false" if m.group(1) == "true" else "true")
    return out


def python_mutants(path: Path) -> list[Mutant]:
    text = path.read_text(encoding="utf-8")
    rel = path.relative_to(ROOT).as_posix()
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    out: list[Mutant] = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.OP and tok.string in PY_FLIPS:
            offset = starts[tok.start[0] - 1] + tok.start[1]
            for new in PY_FLIPS[tok.string]:
                out.append(Mutant(rel, tok.start[0], offset, tok.string, new, "all"))
    return out


def all_mutants(only: set[str]) -> list[Mutant]:
    out: list[Mutant] = []
    if "rules" in only:
        for p in sorted((ROOT / "rules" / "obligations").glob("*.ttl")):
            if not p.name.startswith("_"):
                out += rule_mutants(p)
    if "standards" in only:
        out += standards_mutants(ROOT / "rules" / "standards.ttl")
    if "python" in only:
        for name in PY_FILES:
            out += python_mutants(ROOT / "src" / "minelaw" / "reasoning" / name)
    return out


def make_copy(dest: Path) -> None:
    for name in ("src", "rules", "ontology", "tests"):
        shutil.copytree(
            ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    shutil.copytree(ROOT / "kb" / "law", dest / "kb" / "law")
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")


def cases_for(selector: str, copy: Path) -> list[str]:
    folder = copy / "tests" / "rules"
    every = sorted(p.name for p in folder.glob("*-[0-9][0-9][0-9].ttl"))
    if selector.startswith("rule:"):
        norm = selector[5:]
        return [c for c in every if re.fullmatch(re.escape(norm) + r"-\d{3}\.ttl", c)]
    # the ladder of the standards (CIHL Rule 11) first, then the rules in turn (every rule's
    # first cases early): a mutant dies at its first failing case, a survivor runs them all
    ordered = sorted(every, key=lambda c: (not c.startswith("CIHL-R11-"), c[-7:], c))
    # a mutant of the standards table also runs, after every case (so that a case that kills
    # it is named), the check that the table briefs print is what the weighing does
    return ordered + [TABLE_CHECK] if selector == "standards" else ordered


# The worker: the harness's own test function over the given cases, first failure wins.
WORKER = r"""
import sys, tempfile, pathlib
import minelaw
assert pathlib.Path(minelaw.__file__).is_relative_to(pathlib.Path(sys.argv[1])), minelaw.__file__
import test_rules
from minelaw.reasoning.findings import collect, compute
from minelaw.store import open_kb, preflight
# a mutant changes rules or code, never the data: the entry shapes were checked by the baseline
check = preflight if sys.argv[2] == "baseline" else (lambda store: [])
tools = (open_kb, check, collect, compute)
for name in sys.argv[3:]:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            if name == "test_standards_table.py":  # the table briefs print vs the weighing
                import test_standards_table
                from minelaw.reasoning.standards import load_thresholds
                store = open_kb(test_rules.build_kb([], pathlib.Path(tmp)), use_cache=False)
                found = test_standards_table.problems(load_thresholds(store))
                assert found == [], found
                continue
            test_rules.test_rule_case(pathlib.Path(sys.argv[1]) / "tests" / "rules" / name,
                                      pathlib.Path(tmp), tools)
        except Exception as exc:  # an assertion, or the mutant broke the code
            print("KILLED", name, type(exc).__name__, str(exc)[:300].replace("\n", " "))
            sys.exit(1)
print("SURVIVED")
"""


def run_cases(
    copy: Path, cache: Path, cases: list[str], timeout: float, mode: str = "mutant"
) -> tuple[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(copy / "src"), str(copy / "tests")])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["MINELAW_CACHE"] = str(cache)
    env.pop("MINELAW_KB", None)
    try:
        res = subprocess.run(
            [sys.executable, "-c", WORKER, str(copy), mode, *cases],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return "killed", "timeout"
    lines = (res.stdout or "").strip().splitlines()
    last = lines[-1] if lines else ""
    if res.returncode == 0 and last == "SURVIVED":
        return "survived", ""
    if last.startswith("KILLED"):
        return "killed", last.split()[1]
    return "error", (res.stderr or res.stdout)[-500:]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--only", default="rules,standards,python", help="comma-separated: rules, standards, python"
    )
    ap.add_argument("--match", default="", help="only mutants whose file path contains this")
    ap.add_argument("--jobs", type=int, default=1, help="mutants run at once (one copy each)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per mutant")
    ap.add_argument("--out", type=Path, help="write every mutant's outcome as JSON")
    ap.add_argument(
        "--again", type=Path, help="only the mutants that were not killed in this --out file"
    )
    args = ap.parse_args(argv)
    mutants = [m for m in all_mutants(set(args.only.split(","))) if args.match in m.file]
    if args.again:
        left = {
            (d["file"], d["offset"], d["new"])
            for d in json.loads(args.again.read_text(encoding="utf-8"))
            if d["outcome"] != "killed"
        }
        mutants = [m for m in mutants if (m.file, m.offset, m.new) in left]
    work = Path(tempfile.mkdtemp(prefix="minelaw-mutants-"))
    cache = work / "cache"
    copies = [work / f"repo{i}" for i in range(args.jobs)]
    for c in copies:
        make_copy(c)

    def save() -> None:
        if args.out:
            args.out.write_text(json.dumps([asdict(m) for m in mutants], indent=1), "utf-8")

    try:
        print(f"{len(mutants)} mutants; copies in {work}", flush=True)
        # the cases must pass unmutated (with the entry shapes), or nothing is measured
        needed = sorted({c for m in mutants for c in cases_for(m.cases, copies[0])})
        outcome, detail = run_cases(copies[0], cache, needed, args.timeout, "baseline")
        if outcome != "survived":
            print(f"baseline fails: {outcome} {detail}", file=sys.stderr)
            return 2
        free: queue.Queue[Path] = queue.Queue()
        for c in copies:
            free.put(c)
        lock = threading.Lock()
        done = [0]

        def one(m: Mutant) -> None:
            copy = free.get()
            target = copy / m.file
            original = target.read_text(encoding="utf-8")
            assert original[m.offset : m.offset + len(m.old)] == m.old, m.describe()
            mutated = original[: m.offset] + m.new + original[m.offset + len(m.old) :]
            target.write_text(mutated, encoding="utf-8")
            t = time.perf_counter()
            try:
                m.outcome, m.killer = run_cases(copy, cache, cases_for(m.cases, copy), args.timeout)
            finally:
                target.write_text(original, encoding="utf-8")
                free.put(copy)
            m.seconds = round(time.perf_counter() - t, 1)
            with lock:
                done[0] += 1
                print(
                    f"[{done[0]}/{len(mutants)}] {m.outcome:8} {m.describe()} {m.killer[:60]}",
                    flush=True,
                )
                save()

        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            list(pool.map(one, mutants))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    by_file: dict[str, list[Mutant]] = defaultdict(list)
    for m in mutants:
        by_file[m.file].append(m)
    print("\n| file | killed / total |\n|---|---|")
    for f, ms in sorted(by_file.items()):
        print(f"| {f} | {sum(m.outcome == 'killed' for m in ms)} / {len(ms)} |")
    total = sum(m.outcome == "killed" for m in mutants)
    print(f"| **all** | **{total} / {len(mutants)}** |")
    for m in mutants:
        if m.outcome != "killed":
            print(f"{m.outcome}: {m.describe()} {m.killer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
