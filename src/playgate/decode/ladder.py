"""Which renditions of a URL to decode: an HLS master's variants (lowest and highest by default, with
what the master declares for each), else the URL itself. The master is fetched with the probe's rules.

A fetched master's variants are http(s) only: a ``file:`` (or any other) variant is refused, never
opened. Local files are decoded only when the user names them on the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from playgate.decode.checks import Declared
from playgate.decode.engine import Target, pick
from playgate.decode.spec import Renditions
from playgate.probe.context import MAX_PLAYLIST_BYTES
from playgate.probe.fetch import Fetcher, FetchError, public_url

if TYPE_CHECKING:
    from m3u8.model import Playlist


def targets_for(source: str, which: Renditions, fetcher: Fetcher) -> list[Target]:
    """The targets to decode for one CLI argument (a URL or a local path)."""
    if urlsplit(source).scheme.lower() not in ("http", "https"):
        return [Target(source, "file")]
    if not urlsplit(source).path.lower().endswith((".m3u8", ".m3u")):
        return [Target(source, "url")]
    try:
        response = fetcher.get(source, max_bytes=MAX_PLAYLIST_BYTES)
    except FetchError:
        return [Target(source, "url")]  # decoding it will say why it cannot be read
    if not response.ok or b"#EXT-X-STREAM-INF" not in response.body:
        return [Target(source, "url")]
    return _variants(response.url, response.body.decode("utf-8", "replace"), which) or [Target(source, "url")]


def _variants(url: str, text: str, which: Renditions) -> list[Target]:
    import m3u8

    try:
        playlist = m3u8.loads(text, uri=url)
    except Exception:  # a broken master: the manifest probe reports it; decode the master as it is
        return []
    variants = list(playlist.playlists)
    chosen = pick(variants, which, lambda v: (_height(v), v.stream_info.bandwidth or 0))
    return [_target(urljoin(url, v.uri), _label(v), _declared(v)) for v in chosen]


def _target(url: str, label: str, declared: Declared) -> Target:
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        return Target(url, label, declared)
    refusal = f"refused a variant of a fetched master that is not http(s) ({scheme or '?'}:); not opened"
    return Target(public_url(url), label, declared, refusal=refusal)


def _height(variant: Playlist) -> int:
    resolution = getattr(variant.stream_info, "resolution", None)
    return resolution[1] if resolution else 0


def _label(variant: Playlist) -> str:
    info = variant.stream_info
    size = f"{info.resolution[1]}p " if info.resolution else ""
    return f"variant {size}{info.bandwidth or '?'} b/s".strip()


def _declared(variant: Playlist) -> Declared:
    info = variant.stream_info
    width, height = info.resolution if info.resolution else (None, None)
    range_ = getattr(info, "video_range", None)  # VIDEO-RANGE: SDR, PQ or HLG
    return Declared(width=width, height=height, fps=info.frame_rate, hdr_type=range_)
