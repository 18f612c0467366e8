#!/usr/bin/env python3
"""Random whole runs against the protocol's invariants.

Generates scenarios the presets do not cover -- random seeds, jobs (the
built-in synthetic, mlp, cnn and transformer, a TorchScript model), batch
sizes, optimizers, checkpoint intervals, task lengths, task counts,
arities, verifier counts, modes, hardware profiles (threads, float64) and
solver behaviours, corrupt-node at any node of the step graph that reaches
the state (read from `veritrain nodes --json`) in exact mode, by 0.1 or by
an amount that inflates the state (1e5, 1e30) -- runs each
with `veritrain run` (real processes) and checks what must hold whatever
the parameters, on every task:

  - the run succeeds, `veritrain audit` accepts its folder, and the token
    supply is conserved;
  - an honest verifier never ends below its genesis funds;
  - an honest solver with honest verifiers is accepted and paid, with
    nobody slashed;
  - an attack that changed the trace, with every interval checked by an
    honest verifier, is not paid (not `escaped`).

Each scenario is a function of (--seed, its index), so a failure is
reproduced by the same command; failing scenarios and their run folders
are kept in --keep. Exit status 1 when an invariant fails.

    tests/property/random_runs.py --veritrain build/bin/veritrain --runs 40
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

FUNDS = 5000
ATTACKS = ["random-weights", "replay", "lazy", "corrupt-node"]
# Attacks whose effect may stay within a tolerance-mode threshold: run for
# the other invariants, not for detection.
SUBTLE = ["data-substitution", "precision-downgrade"]


SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FASHION = "/usr/share/datasets/fashion-mnist/"


def job_for(rng):
    name = rng.choice(["synthetic", "synthetic", "mlp", "cnn", "transformer", "torchscript"])
    params = {}
    opt = rng.choice([
        {"name": "sgd", "lr": rng.choice([0.01, 0.05]), "momentum": rng.choice([0.0, 0.9])},
        {"name": "adam", "lr": rng.choice([0.001, 0.002])},
    ])
    params["optimizer"] = opt
    if name == "synthetic":
        params["hidden"] = [rng.choice([8, 32])]
    elif name == "mlp":
        params.update({"hidden": [rng.choice([16, 64])], "train_limit": 1000, "test_limit": 200})
    elif name == "cnn":
        params.update({"channels": [4, 8], "hidden": [16], "train_limit": 600, "test_limit": 200})
    elif name == "transformer":
        params.update({"vocab": rng.choice([8, 16]), "seq_len": rng.choice([4, 8]),
                       "d_model": rng.choice([8, 16]), "heads": rng.choice([1, 2]),
                       "layers": rng.choice([1, 2])})
    else:
        params.update({
            "model": os.path.join(SOURCE, "examples/torchscript/fashion_cnn.pt"),
            "dataset": {"format": "idx",
                        "train_samples": FASHION + "train-images-idx3-ubyte.gz",
                        "train_labels": FASHION + "train-labels-idx1-ubyte.gz",
                        "test_samples": FASHION + "t10k-images-idx3-ubyte.gz",
                        "test_labels": FASHION + "t10k-labels-idx1-ubyte.gz",
                        "scale": 255, "train_limit": 600, "test_limit": 200}})
    return name, params


def reaching_nodes(veritrain, sc, work):
    """The step-graph nodes of the scenario's job whose outputs reach the state."""
    path = os.path.join(work, sc["name"] + "-nodes.json")
    with open(path, "w") as f:
        json.dump(sc, f)
    r = subprocess.run([veritrain, "nodes", path, "--json"], capture_output=True, text=True,
                       check=True)
    return [n["name"] for n in json.loads(r.stdout)["nodes"]
            if n.get("reaches_state") and n["name"] != "state.assemble"]


def profile_for(rng, mode, solver_profile):
    if mode == "exact":
        return dict(solver_profile)
    return rng.choice([{"threads": 1}, {"threads": 2}, {"threads": 1, "dtype": "float64"}])


def economics(rng):
    winner = rng.choice([10000, 5000, 8000])
    jackpot = rng.choice([0, (10000 - winner) // 2])
    return {"reward": 500, "submitter_funds": 20000, "participant_funds": FUNDS,
            "solver_stake": 1000, "verifier_stake": 100, "challenge_stake": 200,
            "verifier_fee": rng.choice([0, 50]), "jackpot_initial": 2000,
            "forced_error_rate": rng.choice([0, 0, 0.5, 1.0]),
            "whistleblower_reward": rng.choice([0, 100]),
            "slash_lazy": rng.choice([False, True]),
            "jackpot_tax_bps": rng.choice([0, 500]),
            "slash_split": {"winner_bps": winner, "jackpot_bps": jackpot,
                            "burn_bps": 10000 - winner - jackpot}}


def scenario(index, base_seed, veritrain, work):
    rng = random.Random(base_seed * 1000003 + index)
    job, params = job_for(rng)
    k = rng.choice([3, 4, 5, 8])
    intervals = rng.randint(2, 5)
    steps = k * intervals
    mode = rng.choice(["exact", "tolerance"])
    verifiers = rng.randint(1, 3)
    solver_profile = {"threads": 1}
    behaviour, bparams = "honest", {}
    roll = rng.random()
    if roll < 0.45:
        pass
    elif roll < 0.85:
        behaviour = rng.choice(ATTACKS)
    else:
        behaviour = rng.choice(SUBTLE)
    if behaviour == "lazy":
        bparams = {"fraction": 0.5}
    elif behaviour == "corrupt-node":
        # The node is chosen below, once the scenario is whole.
        bparams = {"step": rng.randint(0, steps - 1), "magnitude": 0.1}
    top_q = rng.choice([0, 1])
    protocol = {
        "checkpoint_interval": k,
        "mode": mode,
        "top_q": top_q,
        "random_samples": intervals - top_q,  # every interval checked
        "deadlines": {"training_s": 300, "verification_s": 300},
        "game": {"arity": rng.choice([2, 3, 4]), "clock_s": 20},
    }
    participants = [{"name": "solver-1", "role": "solver", "behaviour": behaviour,
                     "params": bparams, "profile": solver_profile}]
    profiles = [solver_profile]
    for v in range(verifiers):
        p = profile_for(rng, mode, solver_profile)
        profiles.append(p)
        vb, vparams = "honest", {}
        roll = rng.random()
        if roll < 0.1:
            vb = "lazy-approve"
        elif roll < 0.2:
            vb, vparams = "false-challenge", {"interval": rng.randrange(intervals)}
        elif roll < 0.3:
            vb, vparams = "stall", {"after_moves": rng.randint(0, 2)}
        participants.append({"name": f"verifier-{v + 1}", "role": "verifier",
                             "behaviour": vb, "params": vparams, "profile": p})
    if mode == "tolerance":
        protocol["metrics"] = rng.choice([["l2"], ["l2", "cosine"], ["l2", "linf"]])
        unique = []
        for p in profiles:
            if p not in unique:
                unique.append(p)
        protocol["calibration"] = {"profiles": unique, "seeds": [1, 2, 3],
                                   "quantile": 0.99, "margin": 2}
    sc = {
        "format": "veritrain-scenario/1",
        "name": f"random-{base_seed}-{index}",
        "seed": rng.randint(1, 10**6),
        "job": {"name": job, "steps": steps, "batch_size": rng.choice([8, 16, 32, 64]),
                "params": params},
        "protocol": protocol,
        "economics": economics(rng),
        "participants": participants,
        "timeout_s": 600,
    }
    tasks = rng.choice([1, 1, 1, 2])
    if tasks > 1:
        sc["tasks"] = tasks
    if behaviour == "corrupt-node":
        # Sometimes a corruption that inflates the state (then, under SGD
        # across precisions, honest steps after it land further outside an
        # absolute delta than it does). From its own generator: the draws
        # above stay those of earlier versions of this file.
        size = random.Random(f"{base_seed}/{index}/magnitude")
        bparams["magnitude"] = size.choice([0.1, 0.1, 1e5, 1e30])
        if mode == "exact":
            # Any node whose outputs reach the state: exact mode sees every change.
            plain = [{"name": "solver-1", "role": "solver"}, {"name": "v", "role": "verifier"}]
            names = reaching_nodes(veritrain, dict(sc, participants=plain), work)
            bparams["node"] = rng.choice(names)
        else:
            # In tolerance mode a perturbation can stay within the thresholds:
            # nodes whose change is large at this magnitude.
            bparams["node"] = {"cnn": "conv1.forward", "torchscript": "conv1.forward",
                               "transformer": "head.forward"}.get(job, "fc1.forward")
    return sc


def check(sc, summary, audit_ok):
    """The invariants that fail, as strings."""
    problems = []
    if not audit_ok:
        problems.append("audit refused the run folder")
    if summary.get("conservation") is not True:
        problems.append("token supply not conserved")
    if len(summary["tasks"]) != sc.get("tasks", 1):
        problems.append(f"{len(summary['tasks'])} tasks in the summary, "
                        f"{sc.get('tasks', 1)} posted")
    solver = sc["participants"][0]
    honest_verifiers = [p["name"] for p in sc["participants"][1:] if p["behaviour"] == "honest"]
    for i, task in enumerate(summary["tasks"]):
        balances = task.get("balances", {})
        for name in honest_verifiers:
            if balances.get(name, FUNDS) < FUNDS:
                problems.append(f"task {i}: honest {name} ends with {balances.get(name)} < {FUNDS}")
        outcome = task.get("outcome")
        if solver["behaviour"] == "honest":
            if len(honest_verifiers) == len(sc["participants"]) - 1 and outcome != "accepted":
                problems.append(f"task {i}: honest solver and verifiers: outcome {outcome}, "
                                "not accepted")
            if outcome not in ("accepted", "challenge_rejected"):
                problems.append(f"task {i}: honest solver not paid: outcome {outcome}")
            if balances.get("solver-1", 0) < FUNDS:
                problems.append(f"task {i}: honest solver ends with {balances.get('solver-1')} "
                                f"< {FUNDS}")
        if (solver["behaviour"] in ATTACKS and honest_verifiers
                and task.get("solver_trace_honest") is False and task.get("escaped")):
            problems.append(f"task {i}: {solver['behaviour']} changed the trace, every interval "
                            f"was checked, and it escaped (outcome {outcome})")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--veritrain", required=True, help="path to the veritrain binary")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1, help="base seed of the generator")
    ap.add_argument("--first", type=int, default=0, help="index of the first scenario")
    ap.add_argument("--keep", default=None, help="where failing scenarios and runs are kept")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="vt-random-")
    keep = args.keep or os.path.join(tempfile.gettempdir(), "vt-random-failures")
    failures = 0
    try:
        for i in range(args.first, args.first + args.runs):
            sc = scenario(i, args.seed, args.veritrain, work)
            path = os.path.join(work, sc["name"] + ".json")
            out = os.path.join(work, sc["name"])
            with open(path, "w") as f:
                json.dump(sc, f, indent=1)
            run = subprocess.run([args.veritrain, "run", path, "--out", out],
                                 capture_output=True, text=True)
            problems = []
            summary = None
            if run.returncode != 0:
                problems.append(f"run exited {run.returncode}: {run.stderr.strip()[-400:]}")
            else:
                with open(os.path.join(out, "summary.json")) as f:
                    summary = json.load(f)
                audit = subprocess.run([args.veritrain, "audit", out], capture_output=True, text=True)
                problems += check(sc, summary, audit.returncode == 0)
            task = summary["tasks"][0] if summary else {}
            node = sc["participants"][0]["params"].get("node")
            desc = (f"{sc['name']}: {sc['job']['name']} steps {sc['job']['steps']} "
                    f"tasks {sc.get('tasks', 1)} "
                    f"k {sc['protocol']['checkpoint_interval']} {sc['protocol']['mode']} "
                    f"fe {sc['economics']['forced_error_rate']} "
                    f"{sc['participants'][0]['behaviour']}{' at ' + node if node else ''} vs "
                    f"{[(p['behaviour'], p['profile']) for p in sc['participants'][1:]]} "
                    f"-> {task.get('outcome')}")
            if problems:
                failures += 1
                os.makedirs(keep, exist_ok=True)
                shutil.copy(path, keep)
                if os.path.isdir(out):
                    shutil.copytree(out, os.path.join(keep, sc["name"]), dirs_exist_ok=True)
                print("FAIL " + desc)
                for p in problems:
                    print("     " + p)
            else:
                print("ok   " + desc)
            sys.stdout.flush()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{failures} of {args.runs} failed" + (f" (kept in {keep})" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
