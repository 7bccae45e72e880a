"""Errors of `tideq install`: each says what is wrong and what to do."""

from __future__ import annotations


class DeployError(Exception):
    """A role, id, path or permission problem; the message names the fix."""
