"""The probe: fetch what viewers would fetch (HLS, DASH, progressive MP4/FLV) and check it plays.

    from playgate.probe.runner import probe_urls
    report = probe_urls(urls, settings=settings)      # a rules.Report: same JSON as `rules check`

Modules: ``checks`` (ids, defaults, rule-file overrides; no I/O), ``fetch`` (safe HTTP: schemes,
addresses after DNS, redirects, deadline, caps), ``context`` (one input URL's run), ``results``
(problems → findings), ``hls``, ``dash``, ``mp4`` (the formats), ``runner`` (dispatch), ``gate`` (the
gate's step: which renditions, the profile's mode, ``rendition-matches-play-info``).
This package's ``__init__`` stays import-free: the rules compiler imports ``checks`` alone.
"""
