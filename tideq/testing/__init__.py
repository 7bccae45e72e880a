"""Helpers for tests, benchmarks and demos: a real Mosquitto on a free loopback port."""
from .mosquitto import Mosquitto, free_port

__all__ = ["Mosquitto", "free_port"]
