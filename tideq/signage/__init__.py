"""LED strip signage above the windows: follows the bus and drives strips over RS-485."""
