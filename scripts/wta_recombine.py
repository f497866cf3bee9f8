#!/usr/bin/env python3
"""Recombination of WTA plans, measured offline (docs/benchmarks/wta.md, "This stop (7)").

Reads an instance (the schema of shared/formats.md) and two or more plans as printed by
`tessera wta solve` (their `assignment` field: [weapon, target, units] triples), restricts the
problem to the (weapon, target) pairs that any of the plans uses, lists every pattern of each
target over its restricted weapons (at most --max-shots units) and solves the pattern model of
that restricted problem with HiGHS: the integer optimum (the best recombination of the plans)
and its LP relaxation. Research tool only: the solver does not call it and CI does not run it.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install highspy
    /tmp/venv/bin/python scripts/wta_recombine.py INSTANCE.json PLAN1.json PLAN2.json [...]
"""

import argparse
import itertools
import json
import time

import highspy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("instance")
    ap.add_argument("plans", nargs="+")
    ap.add_argument("--max-shots", type=int, default=3)
    args = ap.parse_args()

    inst = json.load(open(args.instance))
    p = inst["p"]
    values = [t["value"] for t in inst["targets"]]
    counts = [w["count"] for w in inst["weapons"]]
    n_t = len(values)

    def cost(j, pattern):
        s = values[j]
        for w, n in pattern:
            s *= (1.0 - p[w][j]) ** n
        return s

    plans = []
    for path in args.plans:
        pats = [[] for _ in range(n_t)]
        for w, j, n in json.load(open(path))["assignment"]:
            pats[j].append((w, n))
        plans.append(pats)
        print(f"{path}: {sum(cost(j, pats[j]) for j in range(n_t)):.6f}")

    weapons = [sorted({w for plan in plans for w, _ in plan[j]}) for j in range(n_t)]
    columns = []  # (target, pattern)
    for j in range(n_t):
        seen = {()}
        for k in range(1, args.max_shots + 1):
            for combo in itertools.combinations_with_replacement(weapons[j], k):
                pat = tuple(sorted((w, combo.count(w)) for w in set(combo)))
                if all(n <= counts[w] for w, n in pat):
                    seen.add(pat)
        columns.extend((j, pat) for pat in sorted(seen))
    mean_weapons = sum(map(len, weapons)) / n_t
    print(f"restricted: {mean_weapons:.2f} weapons per target, {len(columns)} patterns")

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    n = len(columns)
    h.addVars(n, [0.0] * n, [1.0] * n)
    h.changeColsCost(n, list(range(n)), [cost(j, pat) for j, pat in columns])
    by_target, by_weapon = {}, {}
    for k, (j, pat) in enumerate(columns):
        by_target.setdefault(j, []).append(k)
        for w, m in pat:
            by_weapon.setdefault(w, []).append((k, m))
    for j in range(n_t):
        ks = by_target[j]
        h.addRow(1.0, 1.0, len(ks), ks, [1.0] * len(ks))
    for w, entries in by_weapon.items():
        h.addRow(0.0, counts[w], len(entries), [k for k, _ in entries], [m for _, m in entries])
    h.changeColsIntegrality(n, list(range(n)), [highspy.HighsVarType.kInteger] * n)
    t = time.time()
    h.run()
    mip = h.getInfo().objective_function_value
    print(f"recombined (integer optimum): {mip:.6f} in {time.time() - t:.2f} s")
    h.changeColsIntegrality(n, list(range(n)), [highspy.HighsVarType.kContinuous] * n)
    h.run()
    print(f"LP relaxation: {h.getInfo().objective_function_value:.6f}")


if __name__ == "__main__":
    main()
