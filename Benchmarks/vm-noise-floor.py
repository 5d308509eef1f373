#!/usr/bin/env python3
"""The machine's own noise floor for the slowest-tenth ratio.

Runs a fixed piece of CPU work over and over on one thread for as long as a benchmark run
(17 s by default, a 300,000-play backfill here), splits the samples into ten consecutive
tenths like radio-ingest-bench does with page writes, and prints the slowest tenth over the
fastest. The work never changes, so any spread is the machine's (a VM's host, frequency
scaling), not the code's: a page-cost ratio of one run can only be read against this floor.

    Benchmarks/vm-noise-floor.py [SECONDS] [RUNS]

Run it on an otherwise idle machine; it keeps one core busy.
"""
import statistics
import sys
import time


def work():
    total = 0
    for i in range(200_000):
        total += i * i
    return total


def one_run(seconds):
    samples = []
    end = time.time() + seconds
    while time.time() < end:
        start = time.perf_counter()
        work()
        samples.append((time.perf_counter() - start) * 1000)
    size = len(samples) // 10
    tenths = [statistics.fmean(samples[i * size:(i + 1) * size]) for i in range(10)]
    return tenths, max(tenths) / min(tenths)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 17
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    ratios = []
    for _ in range(runs):
        tenths, ratio = one_run(seconds)
        ratios.append(ratio)
        print("fixed work, ms by tenth: " + " ".join(f"{t:.2f}" for t in tenths) + f" (slowest/fastest {ratio:.2f}x)")
    print(f"{runs} runs of {seconds:.0f} s: slowest/fastest tenth " + ", ".join(f"{r:.2f}" for r in ratios)
          + f"x (median {statistics.median(ratios):.2f}x)")


if __name__ == "__main__":
    main()
