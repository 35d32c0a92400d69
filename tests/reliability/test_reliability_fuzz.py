"""Whatever arrives and whatever ICE answers, the handler raises nothing but RetryLater and loses no item.

Every decoded item appears in the summary with a known status; every ``published`` item has its message in
the outcome sinks and every ``dead_letter`` item its record in the dead-letter sink; a ``retry`` item's
claim is released, so the redelivery can take it, and is retried only for a reason outside the payload
(ICE, a sink or the store unavailable, no time left, a twin in progress). Hostile content is covered in
every envelope kind (HTTP callbacks signed, unsigned and forged included): lone surrogates, nesting
10,000 deep, identifiers of 20,000 characters, identifiers that are not text. With SQLite and Redis.

``FUZZ_EXAMPLES=3000`` raises the number of payloads tried per test (120 by default).
"""

from __future__ import annotations

import base64
import copy
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gate_world import GateWorld, local_settings
from playgate import handler as fc
from playgate.events import IceEvent, decode, sign_http_callback
from playgate.handler import RetryLater, Runtime, handle_payload
from playgate.settings import DEFAULT_CHECKED_EVENT_TYPES
from playgate.store import ClaimStatus
from playgate.testing import EmulatorServer, IceEmulator, sample_catalog_path
from playgate.testing.sample_events import http_callback_trigger, mns_cloudevent, mns_topic_json

STATUSES = {"published", "duplicate", "skipped", "dead_letter", "retry"}
# a retry is for something outside the payload: never for what the payload holds
RETRY_REASONS = {
    "ice_unavailable",
    "in_progress_elsewhere",
    "deadline_exceeded",
    "sink_unavailable",
    "store_unavailable",
    "dead_letter_sink_unavailable",
}
FUZZ_MEDIA = "media-fuzz"
CALLBACK_URL, CALLBACK_KEY = "https://qc-gate.example.com/ice/callback", "FuzzCallbackKey42"
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
CATALOG = sample_catalog_path()
TEMPLATE = (
    json.loads((CATALOG / "media-ladder-ok.media.json").read_text()),
    json.loads((CATALOG / "media-ladder-ok.play.json").read_text()),
)


# --- the world: one runtime over the emulator, and what each invocation added to the sinks -------------
class FuzzWorld(GateWorld):
    def __init__(self, emulator: IceEmulator, folder: Path, runtime: Runtime) -> None:
        super().__init__(emulator=emulator, folder=folder, runtime=runtime)
        self._offsets: dict[str, int] = {}

    def new_lines(self, sink: str) -> list[dict[str, Any]]:
        path = self.folder / f"{sink}.jsonl"
        if not path.exists():
            return []
        data = path.read_bytes()
        start, self._offsets[sink] = self._offsets.get(sink, 0), len(data)
        # split on b"\n" only: str.splitlines() would also cut at U+0085 or U+2028 inside a JSON string
        return [json.loads(line) for line in data[start:].split(b"\n") if line]


@pytest.fixture(scope="module", params=["sqlite", "redis"])
def fuzz_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzWorld]:
    folder = tmp_path_factory.mktemp("fuzz")
    emulator = IceEmulator().load_catalog(CATALOG)
    with EmulatorServer(emulator) as server:
        overrides: dict[str, Any] = {
            "ice_max_attempts": 2,
            "ice_deadline_s": 2.0,
            "log_level": "critical",
            "callback_auth_key": CALLBACK_KEY,
            "callback_url": CALLBACK_URL,
        }
        if request.param == "redis":
            overrides["store"] = f"{request.getfixturevalue('redis_url')}?prefix=fuzz-{uuid.uuid4().hex}:"
        runtime = Runtime.build(local_settings(server.url, folder, **overrides))
        yield FuzzWorld(emulator, folder, runtime)
        runtime.close()


# --- strategies ------------------------------------------------------------------------------------------
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["0.f", "", "N/A", "-1", "1e400", "nan", "2024-13-45T99:99:99Z", "１０８０"])
)
junk_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def mostly(
    good: st.SearchStrategy[Any], junk: st.SearchStrategy[Any] = junk_values
) -> st.SearchStrategy[Any]:
    """``good`` nine times in ten, else ``junk`` (``a | b`` would pick each half the time)."""
    return st.integers(0, 9).flatmap(lambda n: junk if n == 0 else good)


surrogates = st.sampled_from(["\udfff", "a\ud800b", "\udc00\ud800"]) | st.text(
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3
)
huge_ids = st.integers(129, 20_000).map(lambda n: "m" * n)
hostile = (
    surrogates | huge_ids | st.sampled_from(["x:y", "%3A", "@20240501T084814Z", "-", "a\x00b", "\u2028"])
)

event_types = mostly(
    st.sampled_from([*DEFAULT_CHECKED_EVENT_TYPES.split(","), "SnapshotComplete", "MediaInfoJobComplete"]),
    st.text(max_size=10) | surrogates,
)
media_ids = mostly(
    st.sampled_from(
        [
            FUZZ_MEDIA,
            "media-ladder-ok",
            "media-audio-only",
            "media-preparing",
            "media-oss-only",
            "media-missing",
        ]
    ),
    st.one_of(st.none(), st.text(max_size=6), st.integers(), hostile, junk_values),
)
user_data = mostly(
    st.none()
    | st.builds(
        lambda profile: json.dumps({"qcProfile": profile}), st.sampled_from(["default", "hls-ladder", "nope"])
    ),
    st.text(max_size=20),
)


@st.composite
def ice_callbacks(draw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Status": draw(mostly(st.sampled_from(["Success", "Fail", "Finished", "success"]), scalars)),
        "JobId": draw(mostly(st.builds(lambda: f"job-fuzz-{uuid.uuid4().hex[:12]}"), scalars | hostile)),
        "MediaId": draw(media_ids),
        "UserData": draw(user_data),
        **draw(st.fixed_dictionaries({}, optional={"ErrorCode": scalars, "ErrorMessage": scalars | hostile})),
    }
    event = {
        "EventType": draw(event_types),
        "UserId": draw(mostly(st.integers(min_value=0, max_value=2**80), scalars)),
        "EventTime": draw(mostly(st.sampled_from(["2024-05-01T08:48:14Z", "2024-05-01 08:48:14"]), scalars)),
        "MessageBody": draw(mostly(st.just(body))),
    }
    if draw(mostly(st.just(False), st.just(True))):
        del event[draw(st.sampled_from(sorted(event)))]
    return event


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def cloudevent(draw: Any, event: Any) -> Any:
    text = json.dumps(event)
    body = draw(mostly(st.sampled_from([text, b64(text), event])))
    return draw(mostly(st.just(mns_cloudevent(body, uuid.uuid4().hex[:8]))))


def http_item(draw: Any, event: Any) -> dict[str, Any]:
    """An HTTP trigger event: signed (now, or stale, or from the future), unsigned, or forged."""
    how = draw(st.sampled_from(["signed", "signed", "stale", "future", "unsigned", "forged"]))
    # spread over the accepted window: a pair signed twice in one second is one nonce (answered 503)
    stamp = int(time.time()) + {"stale": -3600, "future": 60}.get(how, -draw(st.integers(0, 250)))
    auth = {"timestamp": stamp, "signature": sign_http_callback(CALLBACK_URL, stamp, CALLBACK_KEY)}
    if how == "unsigned":
        auth = {}
    elif how == "forged":
        auth["signature"] = "0" * 32
    item = json.loads(http_callback_trigger(event, request_id=uuid.uuid4().hex[:8], **auth))
    if draw(st.integers(0, 9)) == 0:
        del item["requestContext"]
    return item


def deeply_nested(draw: Any) -> bytes:
    depth = draw(st.sampled_from([500, 900, 1_000, 5_000, 10_000]))
    job = f"job-deep-{uuid.uuid4().hex}"
    in_event = (
        '{{"EventType": "MediaConvertComplete", "EventTime": "2024-05-01T08:48:14Z", "MessageBody": '
        '{{"Status": "Fail", "JobId": "' + job + '", "MediaId": "media-ladder-ok", "Extra": {0}}}}}'
    )
    wrap = draw(
        st.sampled_from(
            ['{{"rawPath": "/x", "requestContext": {{}}, "body": {0}}}', "[{0}]", "{0}", in_event]
        )
    )
    return wrap.format("[" * depth + "]" * depth).encode()


@st.composite
def payloads(draw: Any) -> Any:
    event = draw(ice_callbacks())
    text = json.dumps(event)
    kind = draw(st.sampled_from(["raw", "cloudevent", "batch", "topic", "stream", "http", "deep", "junk"]))
    if kind == "raw":
        return draw(st.sampled_from([text.encode(), text, event]))
    if kind == "cloudevent":
        return cloudevent(draw, event)
    if kind == "batch":
        batch = [cloudevent(draw, draw(ice_callbacks())) for _ in range(draw(st.integers(1, 4)))]
        if draw(st.booleans()):
            batch.insert(draw(st.integers(0, len(batch))), http_item(draw, draw(ice_callbacks())))
        return json.dumps(batch).encode()  # escapes lone surrogates, as a real delivery would
    if kind == "http":
        return json.dumps(http_item(draw, event)).encode()
    if kind == "deep":
        return deeply_nested(draw)
    if kind == "topic":
        return mns_topic_json(draw(st.sampled_from([text, b64(text)])), uuid.uuid4().hex[:8])
    if kind == "stream":
        return {"body": text, "attrs": draw(junk_values)}
    return draw(
        st.binary(max_size=40)
        | st.text(max_size=40)
        | junk_values
        | st.just({"triggerTime": "t", "triggerName": "n"})
    )


def leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    children = (
        value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    )
    for key, child in children:
        yield from leaf_paths(child, (*path, key))


def mutated(document: dict[str, Any], changes: list[tuple[int, Any]]) -> dict[str, Any]:
    """The document with some of its values (leaves or whole sub-trees) replaced by junk."""
    document = copy.deepcopy(document)
    paths = [p for p in leaf_paths(document) if p and p[0] != "RequestId"]
    for index, junk in changes:
        *parents, last = paths[index % len(paths)]
        node = document
        try:
            for key in parents:
                node = node[key]
            node[last] = junk
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change replaced the parent
    return document


ice_answers = st.tuples(
    st.lists(st.tuples(st.integers(min_value=0), junk_values), max_size=6),
    st.lists(st.tuples(st.integers(min_value=0), junk_values), max_size=6),
    st.sampled_from(["both", "no play info"]),
)
faults = st.lists(
    st.tuples(st.sampled_from(["throttling", "5xx", "malformed_json"]), st.integers(1, 3)), max_size=1
)


# --- the property ----------------------------------------------------------------------------------------
def check_invocation(world: FuzzWorld, payload: Any) -> dict[str, Any]:
    items = decode(payload)
    try:
        summary = handle_payload(payload, runtime=world.runtime)
        retried = False
    except RetryLater as error:
        summary, retried = error.summary, True

    results = summary["results"]
    assert len(results) == summary["items"] == len(items), "every decoded item is in the summary"
    assert {r["status"] for r in results} <= STATUSES, results
    assert retried == any(r["status"] == "retry" for r in results)
    assert [r for r in results if r.get("reason") == "internal_error"] == [], "an unclassified exception"
    retried_for = {r.get("reason") for r in results if r["status"] == "retry"}
    assert retried_for <= RETRY_REASONS, f"retried for the payload's content: {results}"
    for item, result in zip(items, results, strict=True):
        if isinstance(item, IceEvent):
            assert result["job_id"] == item.job_id
    published = Counter((r["message_type"], r["job_id"]) for r in results if r["status"] == "published")
    sent = world.new_lines("playback") + world.new_lines("alerts")
    assert Counter((m["type"], m["data"]["job_id"]) for m in sent) == published
    dead = world.new_lines("dead-letters")
    assert len(dead) == sum(r["status"] == "dead_letter" for r in results)
    for result in results:
        if result["status"] == "retry" and result.get("key"):
            claim = world.runtime.gate.store.get(result["key"])
            assert claim is None or claim.status is not ClaimStatus.IN_PROGRESS, "a retry releases its claim"
    for result in results:
        event(f"status {result['status']} {result.get('reason') or ''}".strip())
    return summary


@FUZZ
@given(payload=payloads(), fault=faults)
def test_any_payload_is_accounted_for_item_by_item(fuzz_world, payload, fault):
    fuzz_world.emulator.clear_faults()
    for kind, count in fault:
        fuzz_world.emulator.inject(kind, next_n=count)
    check_invocation(fuzz_world, payload)


@settings(FUZZ, max_examples=80)
@given(answers=ice_answers, fault=faults, status=st.sampled_from(["Success", "Finished"]))
def test_junk_in_ices_answers_never_loses_the_event(fuzz_world, answers, fault, status):
    media_changes, play_changes, shape = answers
    media, play = mutated(TEMPLATE[0], media_changes), mutated(TEMPLATE[1], play_changes)
    fuzz_world.emulator.add_media(FUZZ_MEDIA, media, None if shape == "no play info" else play)
    fuzz_world.emulator.clear_faults()
    for kind, count in fault:
        fuzz_world.emulator.inject(kind, next_n=count)
    job = f"job-ice-fuzz-{uuid.uuid4().hex[:12]}"
    event = {
        "EventType": "MediaConvertComplete",
        "UserId": 1833220977560000,
        "EventTime": "2024-05-01T08:48:14Z",
        "MessageBody": {"Status": status, "JobId": job, "MediaId": FUZZ_MEDIA},
    }

    summary = check_invocation(fuzz_world, json.dumps(event).encode())

    [result] = summary["results"]
    assert result["status"] in {"published", "retry"}, result


@FUZZ
@given(data=st.data(), fault=faults)
def test_any_http_request_gets_an_http_answer_and_loses_nothing(fuzz_world, data, fault):
    """Through the FC entry point itself, where the HTTP trigger is recognised (deep nesting included)."""
    fuzz_world.emulator.clear_faults()
    for kind, count in fault:
        fuzz_world.emulator.inject(kind, next_n=count)
    shape = data.draw(st.sampled_from(["http", "http", "http", "deep", "oversized"]))
    if shape == "http":
        request = json.dumps(http_item(data.draw, data.draw(ice_callbacks()))).encode()
    elif shape == "deep":
        request = deeply_nested(data.draw)
    else:
        request = http_callback_trigger(
            {"EventType": "MediaConvertComplete", "pad": "x" * fc.HTTP_EVENT_LIMIT}
        )

    previous, fc._runtime = fc._runtime, fuzz_world.runtime
    try:
        answer = fc.handler(request, None)
    except RetryLater as error:
        answer = {"statusCode": None, "body": json.dumps(error.summary)}
    finally:
        fc._runtime = previous

    if isinstance(answer, str):  # not recognised as an HTTP request: the event summary
        answer = {"statusCode": None, "body": answer}
    assert answer["statusCode"] in {200, 401, 413, 503, None}, answer
    body = json.loads(answer["body"])
    results = body.get("results", [])
    assert {r["status"] for r in results} <= STATUSES
    assert {r.get("reason") for r in results if r["status"] == "retry"} <= RETRY_REASONS, results
    published = sum(r["status"] == "published" for r in results)
    sent = fuzz_world.new_lines("playback") + fuzz_world.new_lines("alerts")
    assert len(sent) == published
    assert len(fuzz_world.new_lines("dead-letters")) == sum(r["status"] == "dead_letter" for r in results)
    event(f"answer {answer['statusCode']} {sorted({r['status'] for r in results})}")
