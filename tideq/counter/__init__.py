"""Staff side of a window: the caller terminal and the bridge for serial keypads and evaluators."""
