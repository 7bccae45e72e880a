"""End to end on the real Mosquitto `broker` fixture: a video file in, retained crowd readings
and camera health out; a lost camera turns `stale` and is reopened with backoff."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tideq.camera.publisher import BusPublisher
from tideq.contract import BusClient, CrowdLevel, CrowdReading, DeviceKind, Health, HealthState, decode
from tideq.contract.wire import Message, parse_object
from tideq.drivers.camera.counter import CameraCounter
from tideq.drivers.camera.errors import CameraUnavailable
from tideq.drivers.camera.source import Backoff, FrameSource, make_source
from tideq.testing import Mosquitto
from tideq.testing.mosquitto import free_port

from ..drivers.test_camera_support import PERSON, camera, people_video

HALL = "t-hall"
TIMEOUT = 20.0


MODELS: dict[str, type[Message]] = {"/sensor/crowd/": CrowdReading, "/health/": Health}


class Inbox:
    """Collects what a camera publishes, as the contract's typed messages (and the raw bytes, to
    check what leaves the process); `wait_for(pred)` blocks until one matches (no sleeping)."""

    def __init__(self) -> None:
        self.q: queue.Queue[tuple[str, Message]] = queue.Queue()
        self.all: list[tuple[str, Message]] = []
        self.raw: list[tuple[str, bytes]] = []

    def __call__(self, topic: str, payload: bytes) -> None:
        self.raw.append((topic, payload))
        model = next((m for part, m in MODELS.items() if part in topic), None)
        if model is None or not payload:
            return
        msg = decode(model, payload)  # a payload that is not the contract's fails the test here
        self.all.append((topic, msg))
        self.q.put((topic, msg))

    def wait_for(self, pred: Callable[[str, Message], bool], timeout: float = TIMEOUT) -> Message:
        while True:
            topic, msg = self.q.get(timeout=timeout)  # raises queue.Empty on timeout
            if pred(topic, msg):
                return msg


def health(msg: Message, state: HealthState) -> bool:
    return isinstance(msg, Health) and msg.state is state


@pytest.fixture
def listener(broker: Mosquitto) -> Iterator[tuple[BusClient, Inbox]]:
    inbox = Inbox()
    client = BusClient(broker.url, HALL, "listener")
    client.subscribe(f"tideq/{HALL}/#", inbox)
    client.connect()
    yield client, inbox
    client.close()


def start(counter: CameraCounter) -> threading.Thread:
    t = threading.Thread(target=counter.run, daemon=True)
    t.start()
    return t


def test_video_file_publishes_retained_crowd_counts_and_health(broker: Mosquitto, listener, tmp_path: Path) -> None:
    _, inbox = listener
    video = people_video(tmp_path / "hall.avi", {"zone-a": 6, "zone-b": 0})
    bus = BusClient(broker.url, HALL, "cam-t").connect()
    counter = CameraCounter(
        camera(str(video)), FrameSource(str(video)), BusPublisher(bus, "cam-t"), rate_hz=50, person=PERSON
    )
    t = start(counter)
    try:
        a = inbox.wait_for(
            lambda tp, m: tp.endswith("sensor/crowd/zone-a") and isinstance(m, CrowdReading) and m.count >= 4
        )
        b = inbox.wait_for(lambda tp, m: tp.endswith("sensor/crowd/zone-b"))
        ok = inbox.wait_for(lambda tp, m: tp.endswith("health/cam-t") and health(m, HealthState.OK))
    finally:
        counter.stop.set()
        t.join(TIMEOUT)
    assert isinstance(a, CrowdReading) and isinstance(b, CrowdReading) and isinstance(ok, Health)
    assert a.count <= 8 and a.level in (CrowdLevel.LOW, CrowdLevel.BUSY) and a.camera == "cam-t"
    assert b.count <= 1 and b.level is CrowdLevel.LOW
    assert ok.kind is DeviceKind.CAMERA and ok.device == "cam-t" and ok.fps is not None and ok.fps > 0
    inbox.wait_for(lambda tp, m: tp.endswith("health/cam-t") and health(m, HealthState.OFFLINE))

    late = Inbox()  # a late subscriber still gets the last reading: it is retained
    client = BusClient(broker.url, HALL, "late")
    client.subscribe(f"tideq/{HALL}/sensor/crowd/zone-a", late)
    client.connect()
    try:
        retained = late.wait_for(lambda tp, b: True)
        last = [b for tp, b in inbox.all if tp.endswith("sensor/crowd/zone-a")][-1]
        assert retained == last
    finally:
        client.close()
        bus.close()

    # nothing that leaves the process carries image data: small JSON with known keys only
    assert inbox.raw
    for topic, payload in inbox.raw:
        assert len(payload) < 300, (topic, payload)
        assert set(parse_object(payload)) <= {
            "v",
            "ts",
            "count",
            "level",
            "camera",
            "device",
            "kind",
            "state",
            "fps",
            "reason",
        }, topic


def test_deleted_file_turns_stale_and_reconnects_with_backoff(broker: Mosquitto, listener, tmp_path: Path) -> None:
    _, inbox = listener
    video = people_video(tmp_path / "hall.avi", {"zone-a": 3}, empty=4, busy=4)
    data = video.read_bytes()
    bus = BusClient(broker.url, HALL, "cam-gone").connect()
    cam = camera(str(video)).model_copy(update={"id": "cam-gone"})
    counter = CameraCounter(
        cam,
        FrameSource(str(video), loop=True),
        BusPublisher(bus, "cam-gone"),
        rate_hz=100,
        person=PERSON,
        backoff=Backoff(initial=0.02, factor=2, maximum=1),
    )
    delays: list[float] = []
    retried = threading.Event()

    def on_update(_: object) -> None:
        if counter.updates == 3 and video.exists():
            video.unlink()  # the camera disappears mid-run; the loop hits it at the next reopen

    def on_retry(delay: float, err: CameraUnavailable) -> None:
        delays.append(delay)
        if len(delays) == 4:
            video.write_bytes(data)  # the camera comes back
            retried.set()

    counter.on_update, counter.on_retry = on_update, on_retry
    t = start(counter)
    try:
        stale = inbox.wait_for(lambda tp, m: tp.endswith("health/cam-gone") and health(m, HealthState.STALE))
        assert retried.wait(TIMEOUT)
        back = inbox.wait_for(lambda tp, m: tp.endswith("health/cam-gone") and health(m, HealthState.OK))
    finally:
        counter.stop.set()
        t.join(TIMEOUT)
        bus.close()
    assert isinstance(stale, Health) and isinstance(back, Health)
    assert stale.reason is not None and "does not exist" in stale.reason and stale.fps == 0
    assert delays == [0.02, 0.04, 0.08, 0.16]
    assert back.fps is not None and back.fps >= 0
    assert counter.backoff.attempts == 0  # reset once frames flow again


def test_unreachable_stream_is_unavailable_not_a_crash() -> None:
    src = make_source(f"rtsp://127.0.0.1:{free_port()}/stream")
    with pytest.raises(CameraUnavailable, match="cannot open"):
        src.open()
    src.close()
