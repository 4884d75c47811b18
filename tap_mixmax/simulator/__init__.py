"""A local, faithful simulator of the Mixmax REST API (see docs/simulator.md)."""

from .app import Simulator
from .faults import Fault, Faults
from .ratelimit import RateLimit
from .requestlog import LoggedRequest

__all__ = ["Fault", "Faults", "LoggedRequest", "RateLimit", "Simulator"]
