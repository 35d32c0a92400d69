from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import select
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from publish_helpers import make_settings

from playgate.errors import ConfigError
from playgate.publish import open_sink
from playgate.publish.cloudevents import QC_ALERT, make_event
from playgate.publish.jsonl import JsonlSink

PIPE_BUF = getattr(select, "PIPE_BUF", 4096)  # a line longer than this may be split by the kernel
WRITERS = 4
PER_WRITER = 150


def _event(writer: int, n: int) -> dict:
    # every third line is far bigger than PIPE_BUF: the kernel may split it; the lock keeps it whole
    filler = f"w{writer}-" * (3000 if n % 3 == 0 else 5)
    return make_event(
        QC_ALERT,
        source="playgate/test",
        subject=f"m{writer}",
        data={"writer": writer, "n": n, "filler": filler},
        id_parts=(str(writer), str(n)),
    )


def _write_many(url: str, writer: int) -> None:
    sink = JsonlSink(url)
    try:
        for n in range(PER_WRITER):
            sink.send(_event(writer, n))
    finally:
        sink.close()


def test_concurrent_processes_append_whole_lines(tmp_path: Path) -> None:
    url = f"jsonl://{tmp_path}/alerts.jsonl"
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_write_many, args=(url, w)) for w in range(WRITERS)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(timeout=60)
    assert [p.exitcode for p in workers] == [0] * WRITERS
    lines = (tmp_path / "alerts.jsonl").read_bytes().split(b"\n")
    assert lines[-1] == b""
    events = [json.loads(line) for line in lines[:-1]]  # every line parses on its own
    assert len(events) == WRITERS * PER_WRITER
    seen = {(e["data"]["writer"], e["data"]["n"]) for e in events}
    assert seen == {(w, n) for w in range(WRITERS) for n in range(PER_WRITER)}
    assert max(len(line) for line in lines) > PIPE_BUF


def test_threads_sharing_one_sink_lose_no_line(tmp_path: Path) -> None:
    """The reconciler's workers share one sink: flock does not exclude threads of one process (they
    share the file description), so a thread must not see another's line half-written and cut it."""
    sink = JsonlSink(f"jsonl://{tmp_path}/alerts.jsonl")

    def write(writer: int) -> None:
        for n in range(PER_WRITER):
            sink.send(_event(writer, n))

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    sink.close()
    lines = (tmp_path / "alerts.jsonl").read_bytes().split(b"\n")
    events = [json.loads(line) for line in lines[:-1]]
    seen = {(e["data"]["writer"], e["data"]["n"]) for e in events}
    assert len(events) == len(seen) == WRITERS * PER_WRITER


def test_absolute_url_has_three_slashes_and_is_reported_back(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "playback.jsonl"
    sink = open_sink(f"jsonl://{target}", make_settings())
    sink.send(_event(1, 1))
    sink.close()
    assert sink.url == f"jsonl://{target}" and sink.url.startswith("jsonl:///")
    assert json.loads(target.read_text())["data"]["n"] == 1


def test_relative_url_resolves_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    sink = open_sink("jsonl://out/alerts.jsonl", make_settings())
    monkeypatch.chdir("/")
    sink.send(_event(1, 2))
    sink.close()
    assert sink.url == f"jsonl://{tmp_path}/out/alerts.jsonl"
    assert (tmp_path / "out" / "alerts.jsonl").read_text().count("\n") == 1


def test_lines_are_appended_to_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "a.jsonl"
    target.write_text('{"old": true}\n')
    for n in range(2):
        sink = open_sink(f"jsonl://{target}?fsync=true", make_settings())
        sink.send(_event(0, n))
        sink.close()
    assert [json.loads(line).get("old") for line in target.read_text().splitlines()] == [True, None, None]


def test_an_unwritable_path_is_a_config_error_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError) as caught:
        open_sink(f"jsonl://{blocker}/x.jsonl", make_settings())
    assert str(blocker) in str(caught.value)


def test_an_empty_path_or_unknown_option_is_refused() -> None:
    with pytest.raises(ConfigError, match="names no file"):
        open_sink("jsonl://", make_settings())
    with pytest.raises(ConfigError, match="unknown option 'rotate'"):
        open_sink("jsonl:///tmp/x.jsonl?rotate=daily", make_settings())


def test_the_file_is_created_with_owner_write_permission(tmp_path: Path) -> None:
    sink = open_sink(f"jsonl://{tmp_path}/p.jsonl", make_settings())
    sink.close()
    assert os.stat(tmp_path / "p.jsonl").st_mode & 0o200


# Issue 9: a full disk used to leave a partial line that the retried line was then appended to.
FULL_DISK_WRITER = """
import json, resource, signal, sys
from playgate.errors import SinkUnavailable
from playgate.publish.cloudevents import QC_ALERT, make_event
from playgate.publish.jsonl import JsonlSink

path, limit = sys.argv[1], int(sys.argv[2])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the limit write() fails with EFBIG instead
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
sink = JsonlSink("jsonl://" + path)
failed = []
for n in range(12):
    event = make_event(QC_ALERT, source="t", subject="m", data={"n": n, "pad": "x" * 150}, id_parts=(str(n),))
    try:
        sink.send(event)
    except SinkUnavailable as error:
        failed.append(event)
        print("full:", error, file=sys.stderr)
resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))  # space frees up
for event in failed:  # what FC's redelivery does: the same events again
    sink.send(event)
print(json.dumps({"failed": len(failed)}))
"""


def test_a_full_disk_leaves_no_partial_line_and_the_retried_lines_are_whole(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    limit = 1000  # bytes: the 5th line of about 230 crosses it half-way
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK_WRITER, str(path), str(limit)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["failed"] > 0, "the file-size limit was never reached"
    assert "it will be retried" in done.stderr
    content = path.read_bytes()
    assert content.endswith(b"\n")
    numbers = [json.loads(line)["data"]["n"] for line in content.split(b"\n") if line]
    assert sorted(numbers) == list(range(12)), "every line readable, none lost, none twice"


def test_a_partial_last_line_left_by_a_dead_writer_is_cut_off_before_appending(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    whole = json.dumps({"type": "whole"}).encode() + b"\n"
    path.write_bytes(whole + b'{"type": "cut sh')  # a writer killed in the middle of its line
    sink = JsonlSink(f"jsonl://{path}")
    sink.send(make_event(QC_ALERT, source="t", subject="m", data={"n": 1}, id_parts=("1",)))
    sink.close()
    lines = path.read_bytes().split(b"\n")
    assert lines[0] + b"\n" == whole and lines[-1] == b""
    assert json.loads(lines[1])["data"] == {"n": 1}


def test_a_writer_that_holds_the_file_is_waited_for_only_as_long_as_the_time_left(tmp_path: Path) -> None:
    from playgate.errors import DeadlineExceeded

    path = tmp_path / "alerts.jsonl"
    sink = JsonlSink(f"jsonl://{path}")
    other = os.open(path, os.O_RDWR)  # another writer (its own open file) holds the lock
    fcntl.flock(other, fcntl.LOCK_EX)
    event = make_event(QC_ALERT, source="t", subject="m", data={"n": 1}, id_parts=("1",))
    try:
        with pytest.raises(DeadlineExceeded, match="another writer held the file") as raised:
            sink.send(event, timeout_s=0.2)
        assert raised.value.retryable
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    sink.send(event, timeout_s=0.2)
    sink.close()
    assert [json.loads(line)["data"] for line in path.read_bytes().splitlines()] == [{"n": 1}]
