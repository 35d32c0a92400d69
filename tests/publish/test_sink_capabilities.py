"""What a sink can do beyond ``send`` is told by the Protocols in publish/base.py, once, when the publisher
opens it: the robots hold a burst back for a digest (HoldsBack) and keep their rate window and digest in
the store (SharesWindow); ice://block remembers in the store what it blocked (UsesStore); the other
sinks do none of that."""

from __future__ import annotations

from pathlib import Path

import pytest
from publish_helpers import make_settings

from playgate.publish import Publisher, open_sink
from playgate.publish.base import HoldsBack, SharesWindow, UsesStore
from playgate.publish.ice import BlockSink
from playgate.publish.robot import RateWindow, SharedPending, SharedWindow
from playgate.store import open_store
from playgate.testing.signatures import TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET

ROBOTS = [
    "dingtalk+http://127.0.0.1:9/robot/send?access_token=t",
    "lark+http://127.0.0.1:9/open-apis/bot/v2/hook/h",
    "wecom+http://127.0.0.1:9/cgi-bin/webhook/send?key=k",
]


@pytest.mark.parametrize("url", ROBOTS)
def test_a_robot_holds_messages_back_and_can_share_its_window(url: str) -> None:
    sink = open_sink(url, make_settings())
    assert isinstance(sink, HoldsBack)
    assert isinstance(sink, SharesWindow)
    assert not isinstance(sink, UsesStore)


@pytest.mark.parametrize(
    "url", ["stdout:", "jsonl://{tmp}/a.jsonl", "webhook+http://127.0.0.1:9/hook?unsigned=true"]
)
def test_the_other_sinks_neither_hold_back_nor_share_a_window(url: str, tmp_path: Path) -> None:
    sink = open_sink(url.format(tmp=tmp_path), make_settings())
    assert not isinstance(sink, HoldsBack)
    assert not isinstance(sink, SharesWindow)
    assert not isinstance(sink, UsesStore)


def test_a_publisher_with_a_store_puts_a_robot_s_window_and_digest_in_it(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/store.sqlite3")
    alone, shared = Publisher(make_settings()), Publisher(make_settings(), deliveries=store)
    try:
        assert shared.deliveries is store  # and so it records deliveries per sink
        assert alone.deliveries is None
        local, kept = alone.sink("alert_sink", ROBOTS[0]), shared.sink("alert_sink", ROBOTS[0])
        assert isinstance(local.window, RateWindow) and not isinstance(local.held, SharedPending)
        assert isinstance(kept.window, SharedWindow) and isinstance(kept.held, SharedPending)
    finally:
        alone.close(), shared.close(), store.close()


def test_a_publisher_gives_no_window_to_a_store_that_cannot_keep_one(tmp_path: Path) -> None:
    publisher = Publisher(make_settings(), deliveries=object())
    try:
        assert publisher.deliveries is None
        robot = publisher.sink("alert_sink", ROBOTS[0])
        assert isinstance(robot.window, RateWindow) and not isinstance(robot.held, SharedPending)
    finally:
        publisher.close()


def test_a_publisher_with_a_store_gives_it_to_ice_block_to_remember_what_it_blocked(
    tmp_path: Path, emulator_server
) -> None:
    settings = make_settings(
        ice_endpoint=emulator_server.url,
        region="cn-shanghai",
        access_key_id=TEST_ACCESS_KEY_ID,
        access_key_secret=TEST_ACCESS_KEY_SECRET,
    )
    store = open_store(f"sqlite:///{tmp_path}/store.sqlite3")
    publisher = Publisher(settings, deliveries=store)
    try:
        block = publisher.sink("alert_sink", "ice://block")
        assert isinstance(block, BlockSink) and isinstance(block, UsesStore)
        assert block.store is store
    finally:
        publisher.close(), store.close()
