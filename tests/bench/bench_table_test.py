#!/usr/bin/env python3
"""Tests for bench_table.py on hand-made results (python3 stdlib only)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, HERE)
import bench_table  # noqa: E402

MIB = 1 << 20


def entry(name, real_time, unit="ms", **extra):
    e = {"name": name, "run_name": name, "run_type": "iteration", "repetitions": 1,
         "iterations": 10, "real_time": real_time, "cpu_time": real_time,
         "time_unit": unit}
    e.update(extra)
    return e


def median(name, real_time, **extra):
    e = entry(name, real_time, **extra)
    e.update(run_type="aggregate", aggregate_name="median", repetitions=3)
    return e


def results(benchmarks):
    return {"context": {"veritrain_commit": "abc123", "cpu_model": "Test CPU",
                        "num_cpus": 2}, "benchmarks": benchmarks}


class SetupRowsTest(unittest.TestCase):
    def test_job_setup_quickstart_and_peak_memory_rows(self):
        rs, _ = bench_table.runs(results([
            entry("BM_JobSetup/mlp/manual_time", 3000.0, cold_s=2.5, warm_s=0.25,
                  warm_over_cold=0.1, store_s=4.0),
            entry("BM_QuickstartRun/iterations:2/manual_time", 10.0, unit="s", off_s=6.0,
                  warm_s=3.0, warm_over_off=0.5, solver_peak_mb_off=700.0,
                  solver_peak_mb_warm=450.4, arbiter_peak_mb_off=300.0,
                  arbiter_peak_mb_warm=290.0),
        ]))
        info = dict(bench_table.informational(rs))
        self.assertEqual(
            info["job set-up, mlp (Fashion-MNIST train and test sets, model), warm dataset "
                 "cache / no cache (decoded from the IDX files)"],
            "0.1 (250 ms / 2.5 s; first build into an empty cache 4 s)")
        self.assertEqual(
            info["`veritrain run scenarios/quickstart.json` wall, warm dataset cache / no cache"],
            "0.5 (3 s / 6 s)")
        self.assertEqual(
            info["solver peak resident memory in the quickstart (summary.json timings), "
                 "no cache → warm cache"], "700 MiB → 450 MiB")
        self.assertNotIn("verifier peak resident memory in the quickstart (summary.json "
                         "timings), no cache → warm cache", info)


class TargetsTest(unittest.TestCase):
    def test_ratios_and_verdicts(self):
        rs, errors = bench_table.runs(results([
            entry("BM_SolverOverhead/mlp/manual_time", 1.0, overhead=0.04),
            entry("BM_SolverOverhead/cnn/manual_time", 1.0, overhead=0.07),
            entry(f"BM_HashRatios/bytes:{MIB}/real_time", 1.0, hash1_over_raw=0.75,
                  hash2_over_hash1=1.8),
            entry(f"BM_TransferRatio/bytes:{MIB}/real_time", 1.0, zmq_over_tcp=0.45),
            entry("BM_Dispute/mlp/manual_time", 1.0, reexecution_over_dispute=80.0),
        ]))
        self.assertEqual(errors, {})
        rows = {what: (shown, ok) for what, shown, _, ok in bench_table.targets(rs)}
        mlp = rows["solver protocol overhead, mlp, k = 50 (protocol / plain − 1)"]
        self.assertEqual(mlp, ("+4.0%", True))
        cnn = rows["solver protocol overhead, cnn, k = 50 (protocol / plain − 1)"]
        self.assertEqual(cnn, ("+7.0%", False))
        self.assertEqual(rows["state hash, 1 thread / raw SHA-256, 1 MiB state"], ("0.75", False))
        self.assertEqual(rows["state hash, 2 threads / 1 thread, 1 MiB state"], ("1.8", True))
        self.assertEqual(rows["ZeroMQ checkpoint transfer / plain TCP copy, 1 MiB"], ("0.45", False))
        self.assertEqual(
            rows["re-executing a 10,000-step mlp task / one dispute (total compute)"],
            ("80×", True))
        # Sizes that were not run are reported as such, not as a miss.
        self.assertEqual(rows["state hash, 1 thread / raw SHA-256, 8 MiB state"][1], None)

    def test_tolerance_dispute_target_and_bytes(self):
        rs, _ = bench_table.runs(results([
            entry("BM_ToleranceDispute/cnn/manual_time", 1.0, reexecution_over_dispute=42.0,
                  dispute_bytes=10 * MIB, state_bytes=MIB / 4,
                  checkpoints_over_dispute_bytes=5.0),
        ]))
        rows = {what: (shown, ok) for what, shown, _, ok in bench_table.targets(rs)}
        self.assertEqual(
            rows["re-executing a 10,000-step cnn task / one tolerance-mode dispute "
                 "(total compute, every sub-range checked)"], ("42×", False))
        self.assertIsNone(
            rows["re-executing a 10,000-step mlp task / one tolerance-mode dispute "
                 "(total compute, every sub-range checked)"][1])
        info = dict(bench_table.informational(rs))
        self.assertEqual(
            info["tolerance-mode dispute on the cnn: bytes moved (states, node outputs, "
                 "evidence) / one state"],
            "10.0 MiB / 0.25 MiB; the task's 201 checkpoints 5.0× more")

    def test_large_job_targets(self):
        rs, _ = bench_table.runs(results([
            entry("BM_SolverOverhead/transformer-100mb/iterations:2/manual_time", 1.0,
                  overhead=0.03, k=10, steps=30),
            entry("BM_SolverOverhead/transformer-100mb-100-steps/iterations:2/manual_time",
                  1.0, overhead=0.06, k=10, steps=100),
            entry("BM_IntervalCheck/transformer-100mb/iterations:2/manual_time", 1.0,
                  exact_overhead=0.25),
            entry("BM_Dispute/transformer-100mb/iterations:2/manual_time", 1.0,
                  reexecution_over_dispute=300.0),
            entry("BM_LargeRun/iterations:1/manual_time", 1.0, arbiter_peak_over_state=1.5,
                  solver_peak_over_state=3.5),
        ]))
        rows = {what: (shown, ok) for what, shown, _, ok in bench_table.targets(rs)}
        self.assertEqual(
            rows["solver protocol overhead, transformer-100mb, k = 10, 30-step task "
                 "(protocol / plain − 1)"], ("+3.0%", True))
        self.assertEqual(
            rows["solver protocol overhead, transformer-100mb, k = 10, 100-step task "
                 "(protocol / plain − 1)"], ("+6.0%", False))
        self.assertEqual(
            rows["verifying one interval (exact) / re-executing it, transformer-100mb"],
            ("1.25×", False))
        self.assertEqual(
            rows["re-executing a 10,000-step transformer-100mb task / one dispute "
                 "(total compute)"], ("300×", True))
        self.assertEqual(
            rows["arbiter peak resident memory / state size, transformer-100mb run"],
            ("1.50×", True))
        self.assertEqual(
            rows["solver peak resident memory / state size, transformer-100mb run"],
            ("3.50×", False))
        self.assertIsNone(
            rows["verifier peak resident memory / state size, transformer-100mb run"][1])

    def test_speed_targets_of_the_step_graph_quickstart_fetch_and_ruling(self):
        big = bench_table.LARGE_STATE_BYTES
        rs, _ = bench_table.runs(results([
            entry("BM_GraphVsPlain/mlp/manual_time", 1.0, graph_over_plain=1.09),
            entry("BM_GraphVsPlain/transformer/manual_time", 1.0, graph_over_plain=1.18),
            entry("BM_GraphVsPlain/torchscript-simple-conv/manual_time", 1.0,
                  graph_over_plain=1.01),
            entry("BM_QuickstartVsPlain/iterations:4/manual_time", 1.0,
                  quickstart_over_plain=1.17),
            entry(f"BM_FetchRatio/bytes:{MIB}/hash_threads:2/real_time", 1.0,
                  fetch_over_tcp=0.2),
            entry(f"BM_FetchRatio/bytes:{64 * MIB}/hash_threads:1/real_time", 1.0,
                  fetch_over_tcp=0.3),
            entry(f"BM_FetchRatio/bytes:{64 * MIB}/hash_threads:2/real_time", 1.0,
                  fetch_over_tcp=0.55),
            entry(f"BM_FetchRatio/bytes:{big}/hash_threads:2/real_time", 1.0,
                  fetch_over_tcp=0.4),
            entry("BM_NodeEvaluation/mlp/manual_time", 1.0, node_over_step=1.5,
                  label="fc1.backward"),
            entry("BM_NodeEvaluation/transformer-100mb/iterations:4/manual_time", 1.0,
                  node_over_step=0.16, label="block3.fc1.backward"),
            entry("BM_IntervalCheck/transformer-100mb/iterations:2/manual_time", 1.0,
                  exact_overhead=0.02, tolerance_overhead=0.3),
        ]))
        rows = {what: (shown, ok) for what, shown, _, ok in bench_table.targets(rs)}
        self.assertEqual(rows["training through the step graph / plain LibTorch, mlp"],
                         ("1.09×", True))
        self.assertEqual(rows["training through the step graph / plain LibTorch, transformer"],
                         ("1.18×", False))
        self.assertIsNone(rows["training through the step graph / plain LibTorch, cnn"][1])
        self.assertEqual(rows["training through the step graph / plain LibTorch, "
                              "torchscript-simple-conv"], ("1.01×", True))
        self.assertEqual(
            rows["`veritrain run scenarios/quickstart.json` / a plain LibTorch program (wall)"],
            ("1.17×", True))
        self.assertEqual(rows["whole checkpoint fetch / plain TCP copy, 64 MiB"], ("0.55", True))
        self.assertIsNone(rows["whole checkpoint fetch / plain TCP copy, 8 MiB"][1])
        self.assertEqual(
            rows["whole checkpoint fetch / plain TCP copy, 113.7 MB (the large job's state)"],
            ("0.4", False))
        self.assertEqual(
            rows["arbiter's ruling on the costliest node (fc1.backward) / one full step, mlp"],
            ("1.5", False))
        self.assertEqual(
            rows["arbiter's ruling on the costliest node (block3.fc1.backward) / one full step, "
                 "transformer-100mb"], ("0.16", True))
        self.assertIsNone(
            rows["arbiter's ruling on the costliest node / one full step, cnn"][1])
        self.assertEqual(
            rows["verifying one interval (tolerance) / re-executing it, transformer-100mb"],
            ("1.3×", False))
        # The 1 MiB fetch is not a target: it stays among the other ratios.
        rs2, _ = bench_table.runs(results([
            entry("BM_SolverOverhead/transformer-100mb/iterations:2/manual_time", 1.0,
                  overhead=0.2, overhead_before_final_wait=0.04, final_wait_s=0.15, k=10),
        ]))
        self.assertEqual(
            dict(bench_table.informational(rs2))[
                "solver protocol overhead without the wait for the last checkpoint (paid once "
                "a task), transformer-100mb"], "+4.0% (that wait 150 ms)")
        # The target takes the verifier's 2 hashing threads; 1 thread and the
        # 1 MiB fetch, which is not a target, stay among the other ratios.
        info = dict(bench_table.informational(rs))
        self.assertEqual(
            info["whole checkpoint fetch (read, sign, send, receive, check each tensor on "
                 "2 threads, state hash, to LibTorch) / plain TCP copy, same iterations, "
                 "1 MiB"], "0.2")
        self.assertEqual(
            info["whole checkpoint fetch (read, sign, send, receive, check each tensor on "
                 "1 thread, state hash, to LibTorch) / plain TCP copy, same iterations, "
                 "64 MiB"], "0.3")
        self.assertFalse(any("on 2 threads" in what and "64 MiB" in what for what in info))
        # Older runs that did not name the thread count still give the target.
        old, _ = bench_table.runs(results([
            entry(f"BM_FetchRatio/bytes:{8 * MIB}/real_time", 1.0, fetch_over_tcp=0.25)]))
        old_rows = {what: (shown, ok) for what, shown, _, ok in bench_table.targets(old)}
        self.assertEqual(old_rows["whole checkpoint fetch / plain TCP copy, 8 MiB"],
                         ("0.25", False))

    def test_many_tasks_growth_targets(self):
        name = "BM_ManyTasks/tasks:1000/iterations:1/repeats:1/manual_time"
        figures = {"time_growth": 1.31, "ms_per_task_first": 100.0, "ms_per_task_last": 131.0}
        for role, growth in (("arbiter", 1.02), ("solver", 1.5), ("verifier", 1.0),
                             ("runner", 1.0)):
            figures.update({f"{role}_rss_growth": growth, f"{role}_rss_first_mb": 100.0,
                            f"{role}_rss_last_mb": 100.0 * growth, f"{role}_peak_mb": 160.0})
        rs, _ = bench_table.runs(results([entry(name, 140.0, unit="s", **figures)]))
        rows = {what: (shown, ok) for what, shown, _, ok in bench_table.targets(rs)}
        self.assertEqual(
            rows["arbiter memory over 1,000 synthetic tasks, last 50 / first 50 (RSS)"],
            ("1.02", True))
        self.assertEqual(
            rows["solver memory over 1,000 synthetic tasks, last 50 / first 50 (RSS)"],
            ("1.5", False))
        self.assertEqual(rows["time per task over 1,000 synthetic tasks, last 50 / first 50"],
                         ("1.31", False))
        info = dict(bench_table.informational(rs))
        self.assertEqual(info["time per task over 1,000 synthetic tasks, first 50 → last 50"],
                         "100 ms → 131 ms")
        # The smoke run's 20 tasks are not the target's 1,000.
        rs, _ = bench_table.runs(results([entry(name.replace("1000", "20"), 1.0, unit="s",
                                                **figures)]))
        rows = {what: ok for what, _, _, ok in bench_table.targets(rs)}
        self.assertIsNone(rows["time per task over 1,000 synthetic tasks, last 50 / first 50"])

    def test_medians_win_over_single_repetitions_and_errors_are_listed(self):
        rs, errors = bench_table.runs(results([
            entry("BM_A", 5.0), median("BM_A", 2.0),
            entry("BM_B", 1.0, error_occurred=True, error_message="no dataset"),
        ]))
        self.assertEqual(rs["BM_A"]["real_time"], 2.0)
        self.assertEqual(errors, {"BM_B": "no dataset"})

    def test_check_fails_on_an_error_and_passes_on_complete_results(self):
        ok = results([entry("BM_Dispute/mlp/manual_time", 1.0, reexecution_over_dispute=60.0)])
        bad = results(ok["benchmarks"] + [entry("BM_X", 1.0, error_occurred=True,
                                                error_message="boom")])
        self.assertEqual(bench_table.check(ok), 0)
        self.assertEqual(bench_table.check(bad), 1)


class ContextTest(unittest.TestCase):
    def test_the_header_names_the_compiler_when_the_results_do(self):
        data = results([])
        data["context"].update(veritrain_build_type="Release",
                               veritrain_compiler="clang 14.0.6 ")
        self.assertIn("built Release with clang 14.0.6.",
                      bench_table.context_lines(data, "x.json")[0])
        del data["context"]["veritrain_compiler"]  # results of older binaries
        self.assertTrue(bench_table.context_lines(data, "x.json")[0].endswith("built Release."))


class CommandTest(unittest.TestCase):
    def run_script(self, *args):
        return subprocess.run([sys.executable, os.path.join(HERE, "bench_table.py"), *args],
                              capture_output=True, text=True)

    def test_compare_flags_changes_over_the_threshold(self):
        with tempfile.TemporaryDirectory() as d:
            old, new = os.path.join(d, "old.json"), os.path.join(d, "new.json")
            with open(old, "w") as f:
                json.dump(results([entry("BM_A", 10.0), entry("BM_B", 10.0)]), f)
            with open(new, "w") as f:
                json.dump(results([entry("BM_A", 12.5), entry("BM_B", 10.2)]), f)
            r = self.run_script("compare", old, new, "--threshold", "0.1")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("| `BM_A` | 10 ms | 12.5 ms | +25.0% | slower |", r.stdout)
            self.assertIn("| `BM_B` | 10 ms | 10.2 ms | +2.0% |  |", r.stdout)
            self.assertIn("1 figures changed by more than 10%.", r.stdout)

    def test_several_files_make_one_table_naming_each_source(self):
        with tempfile.TemporaryDirectory() as d:
            a, b = os.path.join(d, "a.json"), os.path.join(d, "b.json")
            with open(a, "w") as f:
                json.dump(results([entry("BM_Dispute/mlp/manual_time", 1.0,
                                         reexecution_over_dispute=60.0)]), f)
            other = results([entry("BM_Other", 3.0)])
            other["context"]["veritrain_commit"] = "def456"
            with open(b, "w") as f:
                json.dump(other, f)
            r = self.run_script(a, b)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("commit `abc123`", r.stdout)
            self.assertIn("commit `def456`", r.stdout)
            self.assertIn(f"Source: `{b}`.", r.stdout)
            self.assertIn("| `BM_Other` | 3 ms |", r.stdout)
            self.assertIn("| 60× | ≥ 50× | pass |", r.stdout)
            self.assertEqual(self.run_script("--check", a, b).returncode, 0)

    def test_bad_input_is_a_clear_error(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.json")
            with open(path, "w") as f:
                f.write("{not json")
            r = self.run_script(path)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("is not JSON", r.stderr)
            r = self.run_script(os.path.join(d, "missing.json"))
            self.assertIn("cannot read", r.stderr)
            with open(path, "w") as f:
                json.dump({"context": {}}, f)
            r = self.run_script(path)
            self.assertIn("has no 'benchmarks' list", r.stderr)


if __name__ == "__main__":
    unittest.main()
