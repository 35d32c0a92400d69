"""Cold start: a fresh process that imports what the function needs and fetches one media, versus a
fresh process that only imports the generated ICE SDK client.

    python bench/cold_start.py [-n 5]

(a) ``python -c "from alibabacloud_ice20201109.client import Client"``
(b) ``python -c "<import playgate settings, model and client; fetch one media from the emulator>"``

The emulator runs in another process (``playgate emulator --port 0``). Prints the median wall time and
the median peak RSS (ru_maxrss of the child) of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

SDK_ONLY = "from alibabacloud_ice20201109.client import Client"
PLAYGATE = """
from playgate.settings import Settings
from playgate.ice.client import IceClient
import playgate.ice.model
snap = IceClient.from_settings(Settings()).fetch("media-ladder-ok")
assert len(snap.renditions) == 4, snap
"""


def peak_rss_mib(code: str, env: dict[str, str]) -> float:
    # ru_maxrss of RUSAGE_CHILDREN is the max over all children so far: measure each in a fresh wrapper.
    wrapper = (
        "import resource, subprocess, sys; subprocess.run([sys.executable, '-c', sys.argv[1]], check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    argv = [sys.executable, "-c", wrapper, code]
    out = subprocess.run(argv, env=env, check=True, capture_output=True, text=True)
    return int(out.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("-n", type=int, default=5)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-m", "playgate.cli", "emulator", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        url = server.stdout.readline().strip()
        env = dict(os.environ)
        env.update(
            {
                "PLAYGATE_ICE_ENDPOINT": url,
                "PLAYGATE_ACCESS_KEY_ID": "emulator-access-key-id",
                "PLAYGATE_ACCESS_KEY_SECRET": "emulator-access-key-secret",
            }
        )
        results: dict[str, tuple[list[float], list[float]]] = {"sdk": ([], []), "playgate": ([], [])}
        for _ in range(args.n):  # interleaved, so machine load hits both alike
            for name, code in (("sdk", SDK_ONLY), ("playgate", PLAYGATE)):
                t = time.perf_counter()
                subprocess.run([sys.executable, "-c", code], env=env, check=True)
                results[name][0].append(time.perf_counter() - t)
                results[name][1].append(peak_rss_mib(code, env))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"python {sys.version.split()[0]}, n={args.n} fresh processes each, medians:")
    labels = {
        "sdk": "(a) import alibabacloud_ice20201109.client only",
        "playgate": "(b) import playgate settings+model+client, fetch one media",
    }
    for name, (walls, rss) in results.items():
        wall, peak = statistics.median(walls), statistics.median(rss)
        print(f"{labels[name]:<60} wall {wall:.3f} s   peak RSS {peak:.1f} MiB")


if __name__ == "__main__":
    main()
