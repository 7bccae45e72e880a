"""Hardware checks through the real drivers: printers (DLE EOT status: paper, cover, online),
serial ports (open them), RS-485 lines (poll every configured address with the family's own
master), cameras (open the source and read one frame)."""

from __future__ import annotations

from tideq.config.schema import HallConfig, Printer, SerialBus

from .result import Result, fail, ok, warn

PRINTER_TEST = "`tideq printer-test URL` prints a test ticket"


def check_printer(p: Printer) -> Result:
    """The printer's real-time status, asked as the kiosk asks it before each ticket."""
    from tideq.drivers.printer import PrinterError, PrinterState, TicketPrinter

    subject = f"{p.id} {p.url}"
    if p.url.startswith("virtual://"):
        return warn(
            "printer",
            subject,
            "an in-process virtual printer (demo, training): no real printer is checked",
            "set [[devices.printers]] url to the real printer (tcp://, serial://, file:///dev/usb/lp0, usb://)",
        )
    try:
        printer = TicketPrinter(p.url, p.width_mm)
    except (PrinterError, ValueError) as err:
        return fail("printer", subject, f"unusable URL: {err}", "fix [[devices.printers]] url (docs/printing.md)")
    try:
        st = printer.status()
    finally:
        printer.close()
    detail = st.to_dict()
    roll = f"load a roll of {p.width_mm} mm thermal paper"
    match st.state:
        case PrinterState.OK:
            return ok("printer", subject, "online, paper adequate, cover closed", **detail)
        case PrinterState.PAPER_NEAR_END:
            return warn("printer", subject, "paper nearly out", f"have a roll ready: {roll} soon", **detail)
        case PrinterState.PAPER_OUT:
            return fail("printer", subject, "paper out", roll, **detail)
        case PrinterState.COVER_OPEN:
            return fail("printer", subject, "cover open", "close the printer's cover until it clicks", **detail)
        case PrinterState.ERROR:
            return fail(
                "printer",
                subject,
                "the printer reports an error (cutter jam, head too hot, mechanism)",
                "open the cover, clear any paper jam at the cutter, close it; power-cycle the printer if the error"
                f" LED stays on; then {PRINTER_TEST}",
                **detail,
            )
        case PrinterState.OFFLINE:
            return fail(
                "printer",
                subject,
                "the printer says it is offline",
                "press its FEED/online button; check the error LED, the cover and the paper",
                **detail,
            )
    if not st.readable:
        return warn(
            "printer",
            subject,
            "this link cannot read status: tickets print blind (a paper-out is not noticed)",
            "use a tcp://, serial:// or a read-write device (file:///dev/usb/lp0) URL",
            **detail,
        )
    return fail(
        "printer",
        subject,
        f"does not answer: {st.reason or 'no status reply'}",
        f"switch the printer on, check its cable or network (address, port 9100) and the URL; {PRINTER_TEST}",
        **detail,
    )


def check_serial_port(what: str, url: str, baudrate: int = 9600) -> Result:
    """Open and close a serial port (ID-card reader, scanner): present and ours to open."""
    import serial

    subject = f"{what} {url}"
    try:
        port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.2, do_not_open=True)
        port.exclusive = True
        port.open()
        port.close()
    except (serial.SerialException, ValueError, OSError) as err:
        perm = "ermission" in str(err)
        return fail(
            "serial",
            subject,
            f"cannot open: {err}",
            "add this service's user to the dialout group (usermod -aG dialout USER) and log in again"
            if perm
            else "plug the device in (ls /dev/serial/by-id/), check the URL in the hall file, and that no other"
            " program holds the port",
        )
    return ok("serial", subject, "port opens")


def bus_addresses(hall: HallConfig, bus: SerialBus) -> list[int]:
    """The line's addresses: its own list, else every window's address of its kind."""
    if bus.addresses:
        return sorted(set(bus.addresses))
    attr = {"led": "led_address", "keypad": "keypad_address", "evaluator": "evaluator_address"}[bus.kind]
    return sorted({a for w in hall.windows if (a := getattr(w, attr)) is not None})


def check_bus(hall: HallConfig, bus: SerialBus) -> list[Result]:
    """Open the line and poll every address once (with the line's retries) with the real master."""
    from tideq.drivers.rs485.state import DeviceState

    subject = f"{bus.id} ({bus.kind}) {bus.url}"
    addresses = bus_addresses(hall, bus)
    opened = check_serial_port(f"line {bus.id}", bus.url, bus.baudrate)
    if opened.level.value == "FAIL":
        return [opened]
    if not addresses:
        return [warn("bus", subject, "no device addresses configured", f"set windows' {bus.kind}_address or addresses")]
    states: dict[int, DeviceState] = {}
    timeout_s = bus.timeout_ms / 1000
    if bus.kind == "led":
        from tideq.drivers.ledstrip.driver import LedStripBus

        strips = LedStripBus(bus.url, addresses, baudrate=bus.baudrate, timeout_s=timeout_s, retries=bus.retries)
        strips.open()
        try:
            states = {a: DeviceState.OK if strips.ping(a) else DeviceState.QUIET for a in addresses}
        finally:
            strips.close()
    else:
        from tideq.drivers.evaluator.master import EvaluatorMaster
        from tideq.drivers.keypad.master import KeypadMaster
        from tideq.drivers.rs485.polled import PolledMaster

        cls: type[PolledMaster] = KeypadMaster if bus.kind == "keypad" else EvaluatorMaster
        master = cls(
            bus.url,
            addresses,
            bus_id=bus.id,
            quiet_after=1,
            baudrate=bus.baudrate,
            timeout_s=timeout_s,
            retries=bus.retries,
        )
        master.start()
        try:
            deadline = len(addresses) * (bus.retries + 1) * bus.timeout_ms / 1000 + 2.0
            master.wait_until(lambda: master.cycles.count >= 1, deadline)
            states = {a: master.device_state(a) for a in addresses}
        finally:
            master.stop()
    silent = [a for a, s in states.items() if s is not DeviceState.OK]
    if silent:
        return [
            fail(
                "bus",
                subject,
                f"no answer from {bus.kind} address(es) {', '.join(map(str, silent))} of {len(addresses)}",
                "check each silent device's power, its address setting (DIP switches) and the A/B wires and "
                "termination of the line",
                states={str(a): s.value for a, s in states.items()},
            )
        ]
    return [ok("bus", subject, f"all {len(addresses)} {bus.kind} device(s) answer: {', '.join(map(str, addresses))}")]


def check_camera(name: str, url: str) -> Result:
    """Open the source as `tideq camera` does and read one frame."""
    from tideq.drivers.camera.errors import CameraError
    from tideq.drivers.camera.source import FrameSource

    subject = f"{name} {url}"
    src = FrameSource(url, loop=False)
    try:
        src.open()
        frame = src.read()
    except CameraError as err:
        return fail(
            "camera",
            subject,
            f"no frame: {err}",
            "check the camera's power and network, the URL (rtsp user/password, stream path) or the device "
            "(ls /dev/video*; the service's user needs the video group)",
        )
    finally:
        src.close()
    h, w = frame.shape[:2]
    return ok("camera", subject, f"read a {w}x{h} frame", width=w, height=h)
