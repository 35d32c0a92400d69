"""playgate: the quality gate between Alibaba Cloud ICE and everything downstream of it."""

__version__ = "0.1.0"
