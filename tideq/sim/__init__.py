"""Discrete-event simulation of a hall day driving the real Engine and TidalPolicy (issue 7)."""
