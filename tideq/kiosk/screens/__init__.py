"""One module per kiosk screen. Each view renders the KioskModel in `refresh()` and calls model
actions on taps; none keeps state of its own beyond widgets."""

from .attract import AttractView
from .checkin import CheckinView
from .guide import GuideDetailView, GuideView
from .home import HomeView
from .identity import IdentityView
from .industry import IndustriesView, IndustryView
from .night import NightView
from .policy import PolicyView
from .refusal import RefusalView
from .services import ServicesView
from .ticket import TicketView

__all__ = [
    "AttractView",
    "CheckinView",
    "GuideDetailView",
    "GuideView",
    "HomeView",
    "IdentityView",
    "IndustriesView",
    "IndustryView",
    "NightView",
    "PolicyView",
    "RefusalView",
    "ServicesView",
    "TicketView",
]
