#!/usr/bin/env python3
"""Compares Sandboxes/kind_analyze.py's cyclomatic complexity with radon's, where radon is
installed (it is optional: the sandbox interpreter does not have it).

    python3 -m venv /tmp/radon && /tmp/radon/bin/pip install radon==6.0.1
    /tmp/radon/bin/python Scripts/check-cc-against-radon.py [files.py ...]

Without arguments it checks the bundled problems' canonical solutions, the demo samples, the
taxonomy corpus, HumanEval's canonical solutions when the dataset is found, and the first 150
modules of the standard library. It prints every mismatch and exits 1 if there is one.
"""
import ast
import glob
import gzip
import json
import os
import sys
import sysconfig

try:
    from radon.complexity import cc_visit
except ImportError:
    sys.exit("radon is not installed for %s (pip install radon==6.0.1)" % sys.executable)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "Sandboxes"))
import kind_analyze  # noqa: E402


def sources():
    if len(sys.argv) > 1:
        for path in sys.argv[1:]:
            yield path, open(path).read()
        return
    problems = {}
    with open(os.path.join(ROOT, "Problems", "assay-mini.jsonl")) as f:
        for line in f:
            p = json.loads(line)
            problems[p["task_id"]] = p
            yield p["task_id"], p["prompt"] + p["canonical_solution"]
    for name in ("assay-mini-samples.jsonl", "taxonomy-corpus.jsonl"):
        with open(os.path.join(ROOT, "Problems", name)) as f:
            for number, line in enumerate(f, 1):
                s = json.loads(line)
                yield "%s:%d" % (name, number), s.get("solution") or problems[s["task_id"]]["prompt"] + s["completion"]
    datasets = os.environ.get("ASSAY_DATASETS") or os.path.join(ROOT, "..", "shared", "datasets")
    humaneval = os.path.join(datasets, "HumanEval.jsonl.gz")
    if os.path.exists(humaneval):
        with gzip.open(humaneval, "rt") as f:
            for line in f:
                p = json.loads(line)
                yield p["task_id"], p["prompt"] + p["canonical_solution"]
    for path in sorted(glob.glob(os.path.join(sysconfig.get_paths()["stdlib"], "*.py")))[:150]:
        with open(path, encoding="utf-8", errors="replace") as f:
            yield path, f.read()


def radon_mean(code):
    values = [block.complexity for block in cc_visit(code)]
    return sum(values) / len(values) if values else 1


def main():
    compared = mismatches = 0
    for name, code in sources():
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        compared += 1
        theirs, ours = radon_mean(code), kind_analyze.cyclomatic_complexity(tree)
        if abs(theirs - ours) > 1e-12:
            mismatches += 1
            print("MISMATCH %s: radon %s, assay %s" % (name, theirs, ours))
    print("compared %d sources, %d mismatches" % (compared, mismatches))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
