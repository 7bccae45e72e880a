"""Placeholder; built for issue 15."""
