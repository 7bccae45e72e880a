"""`tideq doctor`: checks one machine of a hall for the role it plays (broker login and ACL, TLS
files, printers, serial lines, cameras, fonts, voice, clock, disk, event log) and says how to fix
each problem. See docs/doctor.md."""

from .result import Level, Result

__all__ = ["Level", "Result"]
