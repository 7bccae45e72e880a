"""The hall controller: pure queue engine, event store, ETA, bus service. Never imports Qt."""
