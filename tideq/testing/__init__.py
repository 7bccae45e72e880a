"""Helpers for tests, benchmarks and demos: a real Mosquitto on a free loopback port."""

from .clock import ManualClock
from .mosquitto import Mosquitto, free_port

__all__ = ["ManualClock", "Mosquitto", "free_port"]
