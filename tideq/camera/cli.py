"""`tideq camera --config FILE --camera ID [--broker URL]`: one counter process per camera."""

from __future__ import annotations

import argparse
import logging

from tideq import sdnotify
from tideq.config.logins import camera_user
from tideq.config.schema import Camera, HallConfig
from tideq.contract import Topics
from tideq.drivers.camera.counter import CameraCounter
from tideq.drivers.camera.detector import DetectorSettings, PersonModel
from tideq.drivers.camera.errors import CameraConfigError, CameraError
from tideq.drivers.camera.source import make_source
from tideq.runtime import StopSignal, add_broker_args

from .publisher import BusPublisher, will_for

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("camera", help="count people per zone from a camera and publish sensor/crowd/{zone}")
    p.add_argument("--config", required=True, help="hall .toml file")
    p.add_argument("--camera", required=True, help="camera id from [[devices.cameras]]")
    p.add_argument("--rate", type=float, default=2.0, help="updates per second (default 2)")
    p.add_argument(
        "--horizon",
        type=float,
        default=PersonModel.horizon,
        help="row (fraction 0..1 from the top) where people shrink to nothing",
    )
    p.add_argument(
        "--person-height",
        type=float,
        default=PersonModel.height_bottom,
        help="height of a person standing at the bottom edge, fraction of frame height",
    )
    p.add_argument("--fill", type=float, default=PersonModel.fill, help="silhouette area / height^2 (calibrated)")
    p.add_argument("--no-hog", action="store_true", help="occupancy only (saves CPU where HOG finds no one)")
    p.add_argument("--no-loop", action="store_true", help="stop at the end of a video file instead of looping")
    p.add_argument("--source", help="frames from this device, URL or video file instead of the camera's configured url")
    add_broker_args(p, "camera-{id}")
    p.set_defaults(func=run)


def find_camera(hall: HallConfig, camera_id: str) -> Camera:
    for cam in hall.devices.cameras:
        if cam.id == camera_id:
            return cam
    known = ", ".join(c.id for c in hall.devices.cameras) or "none"
    raise CameraConfigError(f"no camera {camera_id!r} under [[devices.cameras]]; known: {known}")


def run(args: argparse.Namespace) -> int:
    from tideq.runtime import broker_login, load_or_report

    stop = StopSignal()  # first: a stop while starting is kept
    loaded = load_or_report(args.config)
    if loaded is None:
        return 2
    hall = loaded.hall
    try:
        camera = find_camera(hall, args.camera)
    except CameraConfigError as err:
        log.error("%s", err)
        return 2
    url = args.source or camera.url
    if not args.source and not ("://" in url or url.isdigit() or url.startswith("/")):
        url = str((loaded.path.parent / url).resolve())  # video files relative to the hall file
    # its own login (not the controller's [broker] one), client id == login
    user = camera_user(camera.id)
    login = broker_login(loaded, args, user, camera.login)
    bus = login.client(hall.hall.id, will=will_for(Topics(hall.hall.id), camera.id))
    person = PersonModel(args.horizon, args.person_height, args.fill)
    counter = CameraCounter(
        camera,
        make_source(url, loop=not args.no_loop),
        BusPublisher(bus, camera.id),
        rate_hz=args.rate,
        person=person,
        settings=DetectorSettings(use_hog=not args.no_hog),
        stop=stop.event,
    )
    # alive: the frame loop turns (a frame counted, or a reconnect attempt of a lost camera,
    # which waits up to Backoff.maximum between attempts)
    beat = sdnotify.Heartbeat()
    counter.on_update = lambda _readings: beat.beat()
    counter.on_retry = lambda _delay, _err: beat.beat()
    stall_s = counter.backoff.maximum + 2 / max(args.rate, 0.01) + 5
    watchdog = sdnotify.Watchdog(lambda: beat.age() < stall_s, "the frame loop has stalled").start()
    stop.then(sdnotify.stopping)
    bus.connect(wait=False)
    sdnotify.ready(f"camera {camera.id}")
    try:
        counter.run()
    except CameraError as err:
        log.error("camera %s: %s", camera.id, err)
        return 1
    finally:
        if counter.final_publish is not None:
            try:  # the `offline` health must reach the broker before we disconnect
                counter.final_publish.wait_for_publish(2.0)
            except (RuntimeError, ValueError):
                log.warning("camera %s: offline health not delivered (broker unreachable)", camera.id)
        watchdog.stop()
        bus.close()
    return 0
