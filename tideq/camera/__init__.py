"""The camera process: counts people per zone with drivers.camera and publishes readings and health."""
