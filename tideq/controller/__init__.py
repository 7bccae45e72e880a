"""The hall controller: the one writer of queue state. Never imports Qt, drivers or applications.

Pure (no I/O, no clock reads, no threads):
  engine.py       queue state; commands check, then emit events folded by `apply` (one fold per Kind)
  events.py       the event kinds; model.py the state objects; eta.py expected waits; hours.py opening hours
  tidal/          the tidal window policy (types, signals, thresholds, policy, reasons)
  refusals.py     every refusal with what to do instead; errors.py the package's exceptions

The process (service.py wires these):
  inbox.py        what paho's thread enqueues: Command, Reading, Connected, Stop
  worker.py       the single worker thread: bursts, group commit, publishing only after durability
  dispatch.py     one command: sender from the topic, parse, size, id, idempotency cache -> handlers.py -> reply
  sensors.py      crowd readings dated on the hall clock; tidal_runner.py runs the policy each second
  publisher.py    what a durable burst publishes; tidal_state.py the state/tidal payload
  store.py        the SQLite event log; hall_secret.py the hall secret; clock.py hall clocks
"""
