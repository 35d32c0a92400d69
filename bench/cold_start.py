"""Cold start: a fresh process that imports what the function needs and fetches one media, versus a
fresh process that only imports the generated ICE SDK client.

    python bench/cold_start.py [-n 5]

(a) ``python -c "from alibabacloud_ice20201109.client import Client"``
(b) ``python -c "<import playgate settings, model and client; fetch one media from the emulator>"``
(d) (b) with the function's whole import graph: also ``playgate.handler`` (events, gate, rules, store,
    publish)
(c) the whole function as FC runs it: import ``functions/qc_gate/index.py``, ``initialize(context)`` and
    ``handler(event, context)`` for one callback (fetch, rules, SQLite store, JSONL sink in a temp folder)

The installed SDK was byte-compiled by pip; so is playgate in the FC layer (``pip install --target``
compiles). An editable install is not (and this machine sets PYTHONDONTWRITEBYTECODE), so the bench
byte-compiles the playgate package first, as the layer has it. The emulator runs in another process
(``playgate emulator --port 0``). Prints the median wall time, CPU time and peak RSS (ru_maxrss of the
child) of each.
"""

from __future__ import annotations

import argparse
import os
import resource
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

HANDLER_IMPORTS = """
import playgate.handler, playgate.rules, playgate.store, playgate.publish
from playgate.settings import Settings
from playgate.ice.client import IceClient
snap = IceClient.from_settings(Settings()).fetch("media-ladder-ok")
assert len(snap.renditions) == 4, snap
"""

FUNCTION = """
import sys, json, tempfile, types
sys.path.insert(0, "functions/qc_gate")
folder = tempfile.mkdtemp()
import os
import resource
os.environ.update(PLAYGATE_STORE=f"sqlite:///{folder}/s.sqlite3", PLAYGATE_PLAYBACK_SINK=f"jsonl://{folder}/p.jsonl",
                  PLAYGATE_ALERT_SINK=f"jsonl://{folder}/a.jsonl", PLAYGATE_DEAD_LETTER_SINK=f"jsonl://{folder}/d.jsonl",
                  PLAYGATE_LOG_LEVEL="error")
import index
context = types.SimpleNamespace(request_id="cold", region="cn-shanghai", credentials=None,
                                function=types.SimpleNamespace(name="qc-gate", timeout=60))
index.initialize(context)
event = {"EventType": "MediaConvertComplete", "UserId": 1, "EventTime": "2024-05-01T00:00:00Z",
         "MessageBody": {"Status": "Success", "JobId": "cold-1", "MediaId": "media-ladder-ok"}}
summary = json.loads(index.handler(json.dumps(event).encode(), context))
assert summary["results"][0]["status"] == "published", summary
"""


def cpu_s(after: resource.struct_rusage, before: resource.struct_rusage) -> float:
    """User + system CPU of the child just run: steadier than wall time on a shared machine."""
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


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
    import compileall

    import playgate

    compileall.compile_dir(
        os.path.dirname(playgate.__file__), quiet=1
    )  # as pip does when it builds the layer
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
        env["PLAYGATE_REGION"] = "cn-shanghai"
        results: dict[str, tuple[list[float], list[float], list[float]]] = {
            "sdk": ([], [], []),
            "playgate": ([], [], []),
            "imports": ([], [], []),
            "function": ([], [], []),
        }
        for _ in range(args.n):  # interleaved, so machine load hits all alike
            for name, code in (
                ("sdk", SDK_ONLY),
                ("playgate", PLAYGATE),
                ("imports", HANDLER_IMPORTS),
                ("function", FUNCTION),
            ):
                before, t = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
                subprocess.run([sys.executable, "-c", code], env=env, check=True)
                results[name][0].append(time.perf_counter() - t)
                results[name][1].append(cpu_s(resource.getrusage(resource.RUSAGE_CHILDREN), before))
                results[name][2].append(peak_rss_mib(code, env))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"python {sys.version.split()[0]}, n={args.n} fresh processes each, medians:")
    labels = {
        "sdk": "(a) import alibabacloud_ice20201109.client only",
        "playgate": "(b) import playgate settings+model+client, fetch one media",
        "imports": "(d) import all the function imports, fetch one media",
        "function": "(c) the FC function: import, initialize, handle one event",
    }
    for name, (walls, cpus, rss) in results.items():
        wall, cpu, peak = statistics.median(walls), statistics.median(cpus), statistics.median(rss)
        print(f"{labels[name]:<60} wall {wall:.3f} s  cpu {cpu:.3f} s  peak RSS {peak:.1f} MiB")


if __name__ == "__main__":
    main()
