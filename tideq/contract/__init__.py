"""The MQTT contract v1 (topics, envelopes, error codes) and a thin paho client.

Shared by every process; no Qt, no engine. docs/protocol.md documents what is here.
"""
from .client import BusClient, BusError, BrokerUnreachable, RequestTimeout, parse_broker_url
from .topics import Topics, now_iso

__all__ = ["BusClient", "BusError", "BrokerUnreachable", "RequestTimeout", "parse_broker_url", "Topics", "now_iso"]
