"""The kiosk's own print path puts the ticket page's address in the QR: decoded from the virtual
printer's PNG it is `{public_url}/t/{token}`, and that path opens the ticket on the gateway.
Without `public_url` the QR keeps the verify string."""

from __future__ import annotations

import uuid

import cv2
import pytest

from tideq.drivers.printer import TicketPrinter

PUBLIC = "https://queue.example.gov.cn"


def printed_qr(cfg, ticket, out) -> str:
    from tideq.kiosk.model import TicketView
    from tideq.kiosk.printing import to_print

    view = TicketView.acknowledged("cid", ticket, None, cfg.hall.id, cfg.gateway.public_url)
    with TicketPrinter(f"virtual://qr-{uuid.uuid4().hex[:6]}?out={out}", 80) as p:
        assert p.print_ticket(to_print(cfg, view)).printed
    return cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(next(out.glob("*.png")))))[0]


@pytest.mark.parametrize("gateway_options", [{"public_url": PUBLIC}])
def test_printed_qr_opens_the_ticket(people, gateway, http, hall, tmp_path, gateway_options):
    t = people.ticket()
    cfg = hall.hall.model_copy(update={"gateway": hall.hall.gateway.model_copy(update=gateway_options)})
    url = printed_qr(cfg, t, tmp_path)
    assert url == f"{PUBLIC}/t/{t.page}"
    page = http.get(url.removeprefix(PUBLIC))
    assert page.status_code == 200 and t.number in page.text


def test_without_a_gateway_the_qr_is_the_verify_string(people, hall, tmp_path):
    t = people.ticket()
    assert hall.hall.gateway.public_url is None
    assert printed_qr(hall.hall, t, tmp_path) == t.verify
