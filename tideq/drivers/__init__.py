"""Hall hardware: printers, RS-485 devices (LED strips, keypads, evaluators), cameras. No Qt here."""
