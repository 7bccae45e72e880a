"""Camera crowd counts (issue 7): frames in, per-zone counts and levels out; frames never leave.

source -> detector (HOG + occupancy from the empty-hall reference or MOG2, fused) ->
smoothing (median/EMA + hysteresis) -> publisher (retained `sensor/crowd/{zone}` and
`health/{camera}`), driven by counter.CameraCounter.
"""

from .errors import CameraConfigError, CameraError, CameraUnavailable

__all__ = ["CameraConfigError", "CameraError", "CameraUnavailable"]
