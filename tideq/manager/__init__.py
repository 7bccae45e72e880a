"""The hall manager console: the whole hall live, tidal proposals to confirm or decline."""
