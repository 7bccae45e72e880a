"""`tideq.drivers` is hardware only: no MQTT client, no Qt, and no import circles inside it (the
printer's link -> virtual -> status -> link circle is gone). Read from the static import graph,
TYPE_CHECKING imports included."""
from __future__ import annotations

import grimp
import pytest


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("tideq", include_external_packages=True)


@pytest.mark.parametrize("outside", ["paho", "PySide6", "tideq.contract.client", "tideq.ui"])
def test_drivers_import_no_bus_and_no_qt(graph: grimp.ImportGraph, outside: str) -> None:
    chain = graph.find_shortest_chains(importer="tideq.drivers", imported=outside, as_packages=True)
    assert not chain, f"tideq.drivers reaches {outside}: {sorted(chain)}"


def test_no_import_circles_inside_drivers(graph: grimp.ImportGraph) -> None:
    modules = sorted(m for m in graph.modules if m.startswith("tideq.drivers."))
    circles = []
    for importer in modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            if imported.startswith("tideq.drivers.") and imported != importer:
                back = graph.find_shortest_chain(importer=imported, imported=importer)
                if back:
                    circles.append((importer, *back))
    assert circles == []


def test_printer_link_protocol_and_registry_import_no_transport(graph: grimp.ImportGraph) -> None:
    imported = graph.find_modules_directly_imported_by("tideq.drivers.printer.link")
    assert not {m for m in imported if m.startswith("tideq.drivers.printer.")} - {"tideq.drivers.printer.errors"}
