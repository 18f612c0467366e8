#!/usr/bin/env python3
"""Writes the example plug-in job's dataset (standard library only).

    python3 examples/plugin_job/make_data.py

Three classes of 2-D points on noisy concentric rings (radius 1, 2, 3):
rings_train.csv (480 rows) and rings_test.csv (120 rows), columns x, y,
label. A linear model cannot separate them; the example job's small network
can. The files are committed; this script documents how they were made.
"""
import math
import os
import random


def main():
    rng = random.Random(2024)
    rows = []
    for i in range(600):
        label = i % 3
        angle = rng.uniform(0.0, 2.0 * math.pi)
        radius = (label + 1) + rng.gauss(0.0, 0.15)
        rows.append((radius * math.cos(angle), radius * math.sin(angle), label))
    here = os.path.dirname(os.path.abspath(__file__))
    for name, part in (("rings_train.csv", rows[:480]),
                       ("rings_test.csv", rows[480:])):
        path = os.path.join(here, name)
        with open(path, "w") as f:
            f.write("x,y,label\n")
            for x, y, label in part:
                f.write(f"{x:.5f},{y:.5f},{label}\n")
        print(f"wrote {path} ({len(part)} rows)")


if __name__ == "__main__":
    main()
