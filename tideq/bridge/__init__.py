"""The bridge between RS-485 caller keypads and evaluators and the controller (`tideq counter-bridge`)."""
