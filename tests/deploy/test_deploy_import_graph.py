"""What Function Compute imports: the functions' whole import graph, in a fresh process with the sinks
deployed (MNS queues and topic, here the local MNS server), stays out of what the layer leaves out
(layers/build.sh): rich (and its pygments, markdown-it), playgate.testing (emulator, sample catalog, MNS
server), playgate.cli, and pycryptodome (Crypto), which aliyun-mns-sdk declares but never imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from deploy_files import ROOT

from playgate.testing.mns_server import MnsServer
from playgate.testing.sample_events import callback

LEFT_OUT_OF_THE_LAYER = ("rich", "pygments", "markdown_it", "playgate.testing", "playgate.cli", "Crypto")

SCRIPT = textwrap.dedent(
    """
    import importlib.util, json, sys
    from types import SimpleNamespace

    event, root, left = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    context = SimpleNamespace(request_id="req-1", region="cn-shanghai", credentials=None,
                              function=SimpleNamespace(name="qc-gate", timeout=60))
    answers = []
    for folder in ("qc_gate", "reconcile"):
        path = f"{root}/functions/{folder}/index.py"
        spec = importlib.util.spec_from_file_location("index_" + folder, path)
        index = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(index)
        index.initialize(context)
        answers.append(json.loads(index.handler(event.encode(), context)))
    loaded = sorted(m for m in sys.modules if any(m == p or m.startswith(p + ".") for p in left))
    print(json.dumps({"answers": answers, "loaded": loaded}))
    """
)


def test_the_functions_never_import_rich_the_test_kit_or_the_cli(function_env, fc_context):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(ROOT / "src")
    # A media that fails its rules: the report (findings, Markdown) is built on the way.
    event = json.dumps(callback("MediaConvertComplete", "job-graph-1", "media-broken-rendition"))
    with MnsServer(queues=["playback", "dead-letters"], topics=["alerts"]) as mns:
        env.update(
            PLAYGATE_MNS_ENDPOINT=mns.endpoint,
            PLAYGATE_PLAYBACK_SINK="mns-queue://playback",
            PLAYGATE_ALERT_SINK="mns-topic://alerts",
            PLAYGATE_DEAD_LETTER_SINK="mns-queue://dead-letters",
        )
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, event, str(ROOT), json.dumps(LEFT_OUT_OF_THE_LAYER)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        alerts = mns.messages("alerts")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    gate, sweep = result["answers"]
    assert gate["results"][0]["message_type"] == "playgate.qc.alert", gate
    assert "jobs_seen" in sweep, sweep
    assert result["loaded"] == []
    (alert,) = alerts
    assert json.loads(alert)["data"]["findings"]
