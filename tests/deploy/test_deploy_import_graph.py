"""What Function Compute imports: the functions' whole import graph, in a fresh process with every kind
of sink deployed (MNS queues and topic on the local MNS server; DingTalk, Lark, WeCom, webhooks and
EventBridge on local receivers; JSONL and stdout), stays out of what the layer leaves out
(layers/build.sh): rich (and its pygments, markdown-it), playgate.testing (emulator, sample catalog, MNS
server), playgate.cli, pycryptodome (Crypto), which aliyun-mns-sdk declares but never imports, and
requests, a test dependency only: the process cannot import it, as the layer cannot."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap

from deploy_files import ROOT

from playgate.testing.mns_server import MnsServer
from playgate.testing.receivers import Answer, Receiver
from playgate.testing.sample_events import callback, mns_cloudevent

LEFT_OUT_OF_THE_LAYER = (
    *("rich", "pygments", "markdown_it", "playgate.testing", "playgate.cli", "Crypto", "requests"),
)
HOOK_KEY = "whsec_" + base64.b64encode(b"import-graph-webhook-key-32bytes").decode()

SCRIPT = textwrap.dedent(
    """
    import importlib.util, json, sys
    from types import SimpleNamespace

    sys.modules["requests"] = None  # not in the layer: importing it fails here as it would in FC
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
    loaded = sorted(
        m for m, module in sys.modules.items()
        if module is not None and any(m == p or m.startswith(p + ".") for p in left)
    )
    print(json.dumps({"answers": answers, "loaded": loaded}))
    """
)


def sinks(robot: Receiver, hook: Receiver, folder) -> dict[str, str]:
    """Every sink scheme, each in the setting whose message it gets (the https one is opened, not sent to)."""
    robot_host, hook_host = robot.url.removeprefix("http://"), hook.url.removeprefix("http://")
    return {
        "PLAYGATE_PLAYBACK_SINK": ",".join(
            (
                "mns-queue://playback",
                f"webhook+http://{hook_host}/webhook#secret=${{HOOK_KEY}}",
                f"{hook.url}/plain#secret=${{HOOK_KEY}}&best_effort=true",
                f"https://{hook_host}/never#secret=${{HOOK_KEY}}&profile=no-such-profile",
            )
        ),
        "PLAYGATE_ALERT_SINK": ",".join(
            (
                "mns-topic://alerts",
                f"dingtalk+http://{robot_host}/robot/send?access_token=${{DT_TOKEN}}#secret=${{DT_SECRET}}",
                f"lark+http://{robot_host}/open-apis/bot/v2/hook/${{LARK_HOOK}}#secret=${{DT_SECRET}}",
                f"wecom+http://{robot_host}/cgi-bin/webhook/send?key=${{WECOM_KEY}}",
                f"eventbridge://alerts?endpoint={robot.url}",
            )
        ),
        "PLAYGATE_DEAD_LETTER_SINK": f"mns-queue://dead-letters,jsonl://{folder}/dead.jsonl,stdout:",
        "HOOK_KEY": HOOK_KEY,
        "DT_TOKEN": "import-graph-token",
        "DT_SECRET": "SECimportGraphSecret",
        "LARK_HOOK": "hook-1",
        "WECOM_KEY": "import-graph-key",
    }


def test_the_functions_never_import_rich_the_test_kit_the_cli_or_requests(function_env, fc_context):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(ROOT / "src")
    # A batch: a media that fails its rules (the report, findings and Markdown are built on the way),
    # one that passes, and an item that is not an event (a dead letter).
    items = [
        callback("MediaConvertComplete", "job-graph-1", "media-broken-rendition"),
        callback("MediaConvertComplete", "job-graph-2", "media-ladder-ok"),
    ]
    event = json.dumps(
        [mns_cloudevent(json.dumps(item), f"msg-{i}") for i, item in enumerate(items)]
        + [mns_cloudevent("not an ICE event", "msg-bad")]
    )
    with (
        MnsServer(queues=["playback", "dead-letters"], topics=["alerts"]) as mns,
        Receiver() as robot,
        Receiver(ok=Answer(204, b"")) as hook,
    ):
        env.update(PLAYGATE_MNS_ENDPOINT=mns.endpoint, **sinks(robot, hook, function_env))
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, event, str(ROOT), json.dumps(LEFT_OUT_OF_THE_LAYER)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        alerts, dead = mns.messages("alerts"), mns.messages("dead-letters")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    gate, sweep = result["answers"]
    assert [r["status"] for r in gate["results"]] == ["published", "published", "dead_letter"], gate
    assert gate["results"][0]["message_type"] == "playgate.qc.alert", gate
    assert "jobs_seen" in sweep, sweep
    assert result["loaded"] == []
    assert json.loads(alerts[0])["data"]["findings"] and dead
    assert {r.path for r in robot.accepted()} == {
        "/robot/send",
        "/open-apis/bot/v2/hook/hook-1",
        "/cgi-bin/webhook/send",
        "/openapi/putEvents",
    }
    assert {r.path for r in hook.accepted()} == {"/webhook", "/plain"}
    assert (function_env / "dead.jsonl").read_text().count("playgate.dead_letter") == 1
