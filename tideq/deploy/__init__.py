"""`tideq install ROLE`: systemd units for each role of a hall (docs/deploy.md)."""
