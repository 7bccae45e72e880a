"""tideq gateway: HTTP for visitors' phones, the booking platform, 好差评 and metrics."""
