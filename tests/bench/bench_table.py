#!/usr/bin/env python3
"""Markdown tables from veritrain_bench's JSON output (python3 stdlib only).

  bench_table.py RESULTS.json [MORE.json ...] [--out FILE] [--notes NOTES.md]
                                              figures and the design targets
  bench_table.py --check RESULTS.json [MORE.json ...]
                                              exit 1 if a benchmark failed or
                                              no target could be computed
  bench_table.py compare OLD.json NEW.json [--threshold 0.10]
                                              per-benchmark change, new vs old

RESULTS.json is what `veritrain_bench --benchmark_out=RESULTS.json
--benchmark_out_format=json` writes. With --benchmark_repetitions=N the
median of the repetitions is used for every figure; without, the single run.
Several files (runs of different benchmarks, e.g. the long BM_ManyTasks run
on its own) are read as one; the table says when and where each was
measured. Every ratio comes from figures of one benchmark in one file; the
targets' ratios from benchmarks that time both sides in the same
iterations (BM_HashRatios, BM_TransferRatio, BM_FetchRatio, BM_SolverOverhead,
BM_Dispute)
or the same run (BM_ManyTasks: the first tasks against the last).
"""

import argparse
import json
import re
import sys

MIB = 1 << 20
SIZES = [1 * MIB, 8 * MIB, 64 * MIB]
# The large job's state (scenarios/large/transformer-100mb.json), fetched
# by BM_FetchRatio.
LARGE_STATE_BYTES = 113_700_000
# The whole-fetch target's sizes (the large job's is added when it was run).
FETCH_TARGET_SIZES = [8 * MIB, 64 * MIB]


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        sys.exit(f"bench_table: cannot read {path}: {e.strerror}")
    except json.JSONDecodeError as e:
        sys.exit(f"bench_table: {path} is not JSON: {e}")
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        sys.exit(f"bench_table: {path} has no 'benchmarks' list "
                 "(is it --benchmark_out_format=json output?)")
    return data


def load_all(paths):
    """One results object from several files: their benchmarks together, and
    "sources" listing (path, context) for each file."""
    merged = None
    for path in paths:
        data = load(path)
        if merged is None:
            merged = dict(data)
            merged["benchmarks"] = list(data["benchmarks"])
            merged["sources"] = []
        else:
            merged["benchmarks"] += data["benchmarks"]
        merged["sources"].append((path, data.get("context", {})))
    return merged


def runs(data):
    """{benchmark name: entry}, preferring the median of repetitions."""
    single, median, errors = {}, {}, {}
    for b in data["benchmarks"]:
        name = b.get("run_name") or b.get("name", "?")
        if b.get("error_occurred"):
            errors[name] = b.get("error_message", "error")
            continue
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                median[name] = b
        else:
            single.setdefault(name, b)  # first repetition if no aggregates
    out = dict(single)
    out.update(median)
    return out, errors


def seconds(entry, key="real_time"):
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    return entry[key] * scale[entry.get("time_unit", "ns")]


def fmt_time(s):
    if s is None:
        return "n/a"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def fmt_rate(bps):
    if bps is None:
        return ""
    return f"{bps / 1e9:.3g} GB/s" if bps >= 1e8 else f"{bps / 1e6:.3g} MB/s"


def fmt_bytes(n):
    if n >= MIB:
        return f"{n // MIB} MiB"
    return f"{n} B"


COUNTER_SKIP = {"name", "run_name", "run_type", "repetitions", "repetition_index",
                "threads", "iterations", "real_time", "cpu_time", "time_unit",
                "family_index", "per_family_instance_index", "aggregate_name",
                "aggregate_unit", "bytes_per_second", "items_per_second", "label",
                "error_occurred", "error_message"}


def counters(entry):
    parts = []
    for k, v in entry.items():
        if k in COUNTER_SKIP or not isinstance(v, (int, float)):
            continue
        if k.endswith("_s"):
            parts.append(f"{k} {fmt_time(v)}")
        elif k == "checkpoint_bytes":
            parts.append(f"{k} {v / 1e6:.3g} MB")
        else:
            parts.append(f"{k} {v:.4g}")
    return ", ".join(parts)


def figures_table(rs):
    lines = ["| benchmark | time | throughput | figures |", "|---|---|---|---|"]
    for name in sorted(rs, key=natural_key):
        e = rs[name]
        label = f" ({e['label']})" if e.get("label") else ""
        lines.append(f"| `{name}`{label} | {fmt_time(seconds(e))} | "
                     f"{fmt_rate(e.get('bytes_per_second'))} | {counters(e)} |")
    return lines


def natural_key(s):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def find(rs, pattern):
    """The entry whose name matches `pattern` (a regex, whole name)."""
    for name, e in rs.items():
        if re.fullmatch(pattern, name):
            return e
    return None


def rate(rs, pattern):
    e = find(rs, pattern)
    return None if e is None else e.get("bytes_per_second")


def counter(rs, pattern, key):
    e = find(rs, pattern)
    return None if e is None else e.get(key)


def fetch_size_label(size):
    return ("113.7 MB (the large job's state)" if size == LARGE_STATE_BYTES
            else fmt_bytes(size))


def fetch_target_sizes(rs):
    """8 and 64 MiB, and every larger size BM_FetchRatio ran (the large job's)."""
    larger = {int(m.group(1)) for m in (re.match(r"BM_FetchRatio/bytes:(\d+)", n) for n in rs)
              if m and int(m.group(1)) > 64 * MIB}
    return FETCH_TARGET_SIZES + sorted(larger)


def fetch_ratio(rs, size):
    """The fetch's ratio to the TCP copy as a verifier fetches: hashing on 2
    threads (one per core of these machines), or from older runs that did
    not say."""
    v = counter(rs, rf"BM_FetchRatio/bytes:{size}/hash_threads:2(/real_time)?", "fetch_over_tcp")
    if v is None:
        v = counter(rs, rf"BM_FetchRatio/bytes:{size}(/real_time)?", "fetch_over_tcp")
    return v


def targets(rs):
    """Rows (target, measured, goal, verdict); verdict None when not measured."""
    rows = []

    def add(what, value, goal_text, ok, shown=None):
        if value is None:
            rows.append((what, "not measured", goal_text, None))
        else:
            rows.append((what, shown if shown is not None else f"{value:.3g}",
                         goal_text, ok(value)))

    for job in ("mlp", "cnn"):
        v = counter(rs, rf"BM_SolverOverhead/{job}(/manual_time)?", "overhead")
        add(f"solver protocol overhead, {job}, k = 50 (protocol / plain − 1)",
            v, "≤ 5%", lambda x: x <= 0.05,
            None if v is None else f"{100 * v:+.1f}%")
    for size in SIZES:
        v = counter(rs, rf"BM_HashRatios/bytes:{size}(/real_time)?", "hash1_over_raw")
        add(f"state hash, 1 thread / raw SHA-256, {fmt_bytes(size)} state",
            v, "≥ 0.80", lambda x: x >= 0.80)
    for size in SIZES:
        v = counter(rs, rf"BM_HashRatios/bytes:{size}(/real_time)?", "hash2_over_hash1")
        add(f"state hash, 2 threads / 1 thread, {fmt_bytes(size)} state",
            v, "> 1", lambda x: x > 1.0)
    for size in SIZES:
        v = counter(rs, rf"BM_TransferRatio/bytes:{size}(/real_time)?", "zmq_over_tcp")
        add(f"ZeroMQ checkpoint transfer / plain TCP copy, {fmt_bytes(size)}",
            v, "≥ 0.50", lambda x: x >= 0.50)
    v = counter(rs, r"BM_Dispute/mlp(/manual_time)?", "reexecution_over_dispute")
    add("re-executing a 10,000-step mlp task / one dispute (total compute)",
        v, "≥ 50×", lambda x: x >= 50, None if v is None else f"{v:.0f}×")
    for job in ("mlp", "cnn"):
        v = counter(rs, rf"BM_ToleranceDispute/{job}(/manual_time)?", "reexecution_over_dispute")
        add(f"re-executing a 10,000-step {job} task / one tolerance-mode dispute "
            f"(total compute, every sub-range checked)",
            v, "≥ 50×", lambda x: x >= 50, None if v is None else f"{v:.0f}×")
    # The large job (scenarios/large/transformer-100mb.json: a state of at
    # least 100 MB with Adam's moments), each phase at that size.
    large = r"transformer-100mb(/.*)?"
    e = find(rs, rf"BM_SolverOverhead/{large}")
    v = None if e is None else e.get("overhead")
    k = "?" if e is None else f"{e.get('k', 0):.0f}"
    steps = "?" if e is None else f"{e.get('steps', 0):.0f}"
    add(f"solver protocol overhead, transformer-100mb, k = {k}, {steps}-step task "
        f"(protocol / plain − 1)",
        v, "≤ 5%", lambda x: x <= 0.05, None if v is None else f"{100 * v:+.1f}%")
    e = find(rs, r"BM_SolverOverhead/transformer-100mb-100-steps(/.*)?")
    if e is not None:
        v = e.get("overhead")
        add(f"solver protocol overhead, transformer-100mb, k = {e.get('k', 0):.0f}, "
            f"{e.get('steps', 0):.0f}-step task (protocol / plain − 1)",
            v, "≤ 5%", lambda x: x <= 0.05, None if v is None else f"{100 * v:+.1f}%")
    v = counter(rs, rf"BM_IntervalCheck/{large}", "exact_overhead")
    add("verifying one interval (exact) / re-executing it, transformer-100mb",
        None if v is None else 1 + v, "≤ 1.2×", lambda x: x <= 1.2,
        None if v is None else f"{1 + v:.3g}×")
    v = counter(rs, rf"BM_Dispute/{large}", "reexecution_over_dispute")
    add("re-executing a 10,000-step transformer-100mb task / one dispute (total compute)",
        v, "≥ 50×", lambda x: x >= 50, None if v is None else f"{v:.0f}×")
    for role in ("arbiter", "solver", "verifier"):
        v = counter(rs, r"BM_LargeRun(/.*)?", f"{role}_peak_over_state")
        add(f"{role} peak resident memory / state size, transformer-100mb run",
            v, "≤ 3×", lambda x: x <= 3, None if v is None else f"{v:.2f}×")
    # Speed at the size people train: the step graph against plain LibTorch,
    # the quickstart against a plain program, the fetch against a TCP copy,
    # a node ruling against a step (each ratio's sides in the same
    # iterations).
    for job in ("mlp", "cnn", "torchscript-simple-conv", "transformer", "transformer-256"):
        v = counter(rs, rf"BM_GraphVsPlain/{job}(/.*)?", "graph_over_plain")
        add(f"training through the step graph / plain LibTorch, {job}",
            v, "≤ 1.15×", lambda x: x <= 1.15, None if v is None else f"{v:.3g}×")
    v = counter(rs, r"BM_QuickstartVsPlain(/.*)?", "quickstart_over_plain")
    add("`veritrain run scenarios/quickstart.json` / a plain LibTorch program (wall)",
        v, "≤ 1.5×", lambda x: x <= 1.5, None if v is None else f"{v:.3g}×")
    for size in fetch_target_sizes(rs):
        add(f"whole checkpoint fetch / plain TCP copy, {fetch_size_label(size)}",
            fetch_ratio(rs, size), "≥ 0.50", lambda x: x >= 0.50)
    for job in ("mlp", "cnn", "transformer-100mb"):
        e = find(rs, rf"BM_NodeEvaluation/{job}(/.*)?")
        v = None if e is None else e.get("node_over_step")
        node = "" if e is None else f" ({e.get('label', '?')})"
        add(f"arbiter's ruling on the costliest node{node} / one full step, {job}",
            v, "≤ 0.5", lambda x: x <= 0.5)
    v = counter(rs, rf"BM_IntervalCheck/{large}", "tolerance_overhead")
    add("verifying one interval (tolerance) / re-executing it, transformer-100mb",
        None if v is None else 1 + v, "≤ 1.2×", lambda x: x <= 1.2,
        None if v is None else f"{1 + v:.3g}×")
    # Issue 17: memory and time per task flat over a long run.
    many = r"BM_ManyTasks/tasks:1000(/.*)?"
    for role in ("arbiter", "solver", "verifier"):
        v = counter(rs, many, f"{role}_rss_growth")
        add(f"{role} memory over 1,000 synthetic tasks, last 50 / first 50 (RSS)",
            v, "≤ 1.10", lambda x: x <= 1.10)
    v = counter(rs, many, "time_growth")
    add("time per task over 1,000 synthetic tasks, last 50 / first 50",
        v, "≤ 1.20", lambda x: x <= 1.20)
    return rows


def informational(rs):
    """Ratios that are reported but have no target."""
    rows = []
    for size in SIZES + [LARGE_STATE_BYTES]:
        # Both in the same iterations (BM_FetchRatio) when measured, with the
        # verifier hashing on 1 and on 2 threads (or, from older runs, on
        # one without saying so), else the rates of two separate benchmarks.
        # The targets' sizes with the verifier's own setting (2 threads on
        # these machines) are in the targets.
        measured = False
        for threads, suffix in ((1, "/hash_threads:1"), (2, "/hash_threads:2"), (1, "")):
            v = counter(rs, rf"BM_FetchRatio/bytes:{size}{suffix}(/real_time)?",
                        "fetch_over_tcp")
            if v is None:
                continue
            measured = True
            in_targets = suffix == "/hash_threads:2" or (
                suffix == "" and counter(rs, rf"BM_FetchRatio/bytes:{size}/hash_threads:2"
                                             r"(/real_time)?", "fetch_over_tcp") is None)
            if in_targets and size in fetch_target_sizes(rs):
                continue
            rows.append((f"whole checkpoint fetch (read, sign, send, receive, check each "
                         f"tensor on {threads} thread{'s' if threads > 1 else ''}, "
                         f"state hash, to LibTorch) / plain TCP copy, same "
                         f"iterations, {fetch_size_label(size)}", f"{v:.3g}"))
        if measured:
            continue
        tcp = rate(rs, rf"BM_TcpCopy/bytes:{size}(/real_time)?")
        fetch = rate(rs, rf"BM_ZmqFetch/bytes:{size}(/real_time)?")
        if tcp and fetch:
            rows.append((f"whole checkpoint fetch (read, sign, send, receive, "
                         f"check) / plain TCP copy, {fmt_bytes(size)}", f"{fetch / tcp:.3g}"))
    for job in ("mlp", "cnn"):
        v = counter(rs, rf"BM_SolverOverhead/{job}(/manual_time)?", "cpu_overhead")
        if v is not None:
            rows.append((f"solver protocol overhead in CPU time over all threads, {job}",
                         f"{100 * v:+.1f}%"))
    for job in ("mlp", "cnn", "transformer-100mb"):
        e = find(rs, rf"BM_SolverOverhead/{job}(/.*)?")
        if e is not None and "overhead_before_final_wait" in e:
            rows.append((f"solver protocol overhead without the wait for the last "
                         f"checkpoint (paid once a task), {job}",
                         f"{100 * e['overhead_before_final_wait']:+.1f}% "
                         f"(that wait {fmt_time(e['final_wait_s'])})"))
    for size in SIZES:
        one = find(rs, rf"BM_StateHash/bytes:{size}/threads:1(/real_time)?")
        two = find(rs, rf"BM_StateHash/bytes:{size}/threads:2(/real_time)?")
        if one and two and two.get("cpu_time"):
            rows.append((f"state hash, calling thread's CPU time, 1 thread / 2 threads, "
                         f"{fmt_bytes(size)} (how the work splits)",
                         f"{one['cpu_time'] / two['cpu_time']:.3g}"))
    e = find(rs, r"BM_ManyTasks/tasks:1000(/.*)?")
    if e is not None:
        rows.append(("time per task over 1,000 synthetic tasks, first 50 → last 50",
                     f"{e['ms_per_task_first']:.0f} ms → {e['ms_per_task_last']:.0f} ms"))
        for role in ("arbiter", "solver", "verifier", "runner"):
            if f"{role}_rss_first_mb" in e:
                rows.append((f"{role} resident memory over 1,000 synthetic tasks, "
                             f"first 50 → last 50 (peak)",
                             f"{e[role + '_rss_first_mb']:.0f} MiB → "
                             f"{e[role + '_rss_last_mb']:.0f} MiB "
                             f"({e[role + '_peak_mb']:.0f} MiB)"))
    for job in ("mlp", "cnn"):
        e = find(rs, rf"BM_ToleranceDispute/{job}(/manual_time)?")
        if e is not None and e.get("dispute_bytes"):
            rows.append((f"tolerance-mode dispute on the {job}: bytes moved "
                         f"(states, node outputs, evidence) / one state",
                         f"{e['dispute_bytes'] / 2**20:.1f} MiB / "
                         f"{e['state_bytes'] / 2**20:.2f} MiB; the task's 201 checkpoints "
                         f"{e['checkpoints_over_dispute_bytes']:.1f}× more"))
    e = find(rs, r"BM_JobSetup/mlp(/manual_time)?")
    if e is not None and e.get("cold_s"):
        rows.append(("job set-up, mlp (Fashion-MNIST train and test sets, model), "
                     "warm dataset cache / no cache (decoded from the IDX files)",
                     f"{e['warm_over_cold']:.3g} ({fmt_time(e['warm_s'])} / "
                     f"{fmt_time(e['cold_s'])}; first build into an empty cache "
                     f"{fmt_time(e.get('store_s'))})"))
    e = find(rs, r"BM_QuickstartRun(/.*)?")
    if e is not None and e.get("off_s"):
        rows.append(("`veritrain run scenarios/quickstart.json` wall, warm dataset cache / "
                     "no cache", f"{e['warm_over_off']:.3g} ({fmt_time(e['warm_s'])} / "
                     f"{fmt_time(e['off_s'])})"))
        for role in ("arbiter", "solver", "verifier", "runner"):
            if f"{role}_peak_mb_warm" in e:
                rows.append((f"{role} peak resident memory in the quickstart "
                             f"(summary.json timings), no cache → warm cache",
                             f"{e[role + '_peak_mb_off']:.0f} MiB → "
                             f"{e[role + '_peak_mb_warm']:.0f} MiB"))
    e = find(rs, r"BM_Dispute/mlp(/manual_time)?")
    if e is not None and e.get("dispute_s"):
        for party in ("solver", "challenger", "arbiter"):
            rows.append((f"dispute share of the {party}",
                         f"{100 * e[party + '_s'] / e['dispute_s']:.1f}%"))
    return rows


def context_lines(data, path):
    sources = data.get("sources") or [(path, data.get("context", {}))]
    lines = []
    for i, (source, c) in enumerate(sources):
        model = c.get("cpu_model") or "unknown CPU"
        if i:
            lines.append("")
        lines.append(
            f"Measured {c.get('date', '?')} on {model}, {c.get('num_cpus', '?')} CPUs "
            f"(host {c.get('host_name', '?')}), veritrain {c.get('veritrain_version', '?')} "
            f"commit `{c.get('veritrain_commit', '?')}`, built "
            f"{c.get('veritrain_build_type', '?')}"
            + (f" with {c['veritrain_compiler'].strip()}" if c.get("veritrain_compiler") else "")
            + ".")
        load = c.get("load_avg")
        if load:
            lines.append(f"Load average at the start: {', '.join(f'{x:.2f}' for x in load)}.")
        lines.append(f"Source: `{source}`.")
    reps = {b.get("repetitions") for b in data["benchmarks"] if b.get("repetitions")}
    if reps and max(reps) > 1:
        lines += ["", f"Figures are medians of {max(reps)} repetitions where a benchmark "
                  "was repeated."]
    return lines


def table(data, path, notes=None):
    rs, errors = runs(data)
    out = ["# veritrain benchmarks", ""]
    out += context_lines(data, path)
    out += ["", "## Targets (DESIGN.md section 10)", "",
            "| target | measured | goal | verdict |", "|---|---|---|---|"]
    for what, shown, goal, ok in targets(rs):
        verdict = "n/a" if ok is None else ("pass" if ok else "**miss**")
        out.append(f"| {what} | {shown} | {goal} | {verdict} |")
    info = informational(rs)
    if info:
        out += ["", "## Other ratios", "", "| ratio | measured |", "|---|---|"]
        out += [f"| {what} | {v} |" for what, v in info]
    out += ["", "## Figures", ""]
    out += figures_table(rs)
    if errors:
        out += ["", "## Failed benchmarks", ""]
        out += [f"- `{n}`: {m}" for n, m in sorted(errors.items())]
    if notes:
        out += ["", "## Notes", "", notes.rstrip("\n")]
    return "\n".join(out) + "\n"


def check(data):
    rs, errors = runs(data)
    problems = [f"{n}: {m}" for n, m in sorted(errors.items())]
    if not rs:
        problems.append("no benchmark results")
    measured = [r for r in targets(rs) if r[3] is not None]
    if not measured:
        problems.append("no target could be computed")
    for p in problems:
        print(f"bench_table: {p}", file=sys.stderr)
    if not problems:
        print(f"bench_table: {len(rs)} benchmarks, {len(measured)} targets computed")
    return 1 if problems else 0


def compare(old, new, threshold):
    ro, _ = runs(old)
    rn, _ = runs(new)
    oc = old.get("context", {}).get("veritrain_commit", "?")
    nc = new.get("context", {}).get("veritrain_commit", "?")
    out = [f"# veritrain benchmarks: `{nc}` against `{oc}`", "",
           f"Change of the real time per iteration (and of each counter ending "
           f"in _s); |change| above {100 * threshold:.0f}% is flagged.", "",
           "| benchmark | old | new | change | |", "|---|---|---|---|---|"]
    flagged = 0
    for name in sorted(set(ro) | set(rn), key=natural_key):
        if name not in ro or name not in rn:
            out.append(f"| `{name}` | {'—' if name not in ro else fmt_time(seconds(ro[name]))} | "
                       f"{'—' if name not in rn else fmt_time(seconds(rn[name]))} | | only in one |")
            continue
        pairs = [("", seconds(ro[name]), seconds(rn[name]))]
        for k, v in rn[name].items():
            if k.endswith("_s") and isinstance(v, (int, float)) and k in ro[name]:
                pairs.append((f" {k}", ro[name][k], v))
        for what, a, b in pairs:
            change = (b - a) / a if a else 0.0
            flag = ""
            if abs(change) > threshold:
                flag = "slower" if change > 0 else "faster"
                flagged += 1
            out.append(f"| `{name}`{what} | {fmt_time(a)} | {fmt_time(b)} | "
                       f"{100 * change:+.1f}% | {flag} |")
    out.append("")
    out.append(f"{flagged} figures changed by more than {100 * threshold:.0f}%.")
    return "\n".join(out) + "\n"


def main(argv):
    if argv and argv[0] == "compare":
        p = argparse.ArgumentParser(prog="bench_table.py compare")
        p.add_argument("old")
        p.add_argument("new")
        p.add_argument("--threshold", type=float, default=0.10,
                       help="flag changes larger than this fraction (default 0.10)")
        a = p.parse_args(argv[1:])
        if a.threshold < 0:
            sys.exit("bench_table: --threshold must be >= 0")
        sys.stdout.write(compare(load(a.old), load(a.new), a.threshold))
        return 0
    p = argparse.ArgumentParser(prog="bench_table.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", nargs="+")
    p.add_argument("--out", help="write the table here instead of stdout")
    p.add_argument("--check", action="store_true",
                   help="only check that the results are complete and error-free")
    p.add_argument("--notes", help="a markdown file appended as the table's notes")
    a = p.parse_args(argv)
    data = load_all(a.results)
    if a.check:
        return check(data)
    notes = None
    if a.notes:
        try:
            with open(a.notes, encoding="utf-8") as f:
                notes = f.read()
        except OSError as e:
            sys.exit(f"bench_table: cannot read {a.notes}: {e.strerror}")
    text = table(data, ", ".join(a.results), notes)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
