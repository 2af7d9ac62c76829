"""One page's in-process CPU against the home page's, on a noisy machine.

    python -m tools.bench.ratio [--page "plan page"] [--batches 40] [--size 10]

Like ``tools.bench.cpu`` (production settings, the bench data in DATABASE_URL, each
page as its bench role), but the page and the home page take turns in batches of
``--size`` requests, and the figure is the 10th percentile of the batches' CPU per
request (and the median beside it): a neighbour on the host slows both sides of a
turn alike, and the quietest batches are the closest to the code's own cost. To
compare two trees, run it from each in turn, more than once (docs/benchmarks.md,
issue 22's twelfth session).
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from . import cpu


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tools.bench.ratio")
    parser.add_argument("--page", default="plan page", help="the page whose name contains this")
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--size", type=int, default=10, help="requests per batch")
    parser.add_argument("--seed", type=int, default=11, help="picks the paths (as make bench)")
    return parser.parse_args(argv)


def batch(client, paths, size: int, start: int) -> float:
    """CPU milliseconds per request over one batch of ``size`` requests."""
    began = time.process_time()
    for n in range(size):
        cpu.get(client, paths[(start + n) % len(paths)])
    return (time.process_time() - began) * 1000 / size


def quantile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main(argv=None) -> int:
    args = parse_args(argv)
    cpu.setup()
    from . import pages

    built = [p for p in pages.build(random.Random(args.seed)) if p.paths]
    home = next(p for p in built if p.baseline)
    page = next((p for p in built if args.page.lower() in p.name.lower()), None)
    if page is None:
        sys.exit(f"no bench page's name contains {args.page!r}")
    clients = {role: cpu.client_for(pages.bench_user(role)) for role in {home.role, page.role}}
    for each in (home, page):  # warm: caches, templates, connections
        for path in each.paths:
            cpu.get(clients[each.role], path)
    home_ms, page_ms = [], []
    for n in range(args.batches):
        start = n * args.size
        home_ms.append(batch(clients[home.role], home.paths, args.size, start))
        page_ms.append(batch(clients[page.role], page.paths, args.size, start))
    low_home, low_page = quantile(home_ms, 0.1), quantile(page_ms, 0.1)
    mid_home, mid_page = quantile(home_ms, 0.5), quantile(page_ms, 0.5)
    print(
        f"{page.name}: {low_page:.2f} ms CPU (median {mid_page:.2f}); home {low_home:.2f} "
        f"(median {mid_home:.2f}); ratio {low_page / low_home:.3f} "
        f"(medians {mid_page / mid_home:.3f}); {args.batches} batches of {args.size}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
