"""No import circles inside `tideq.drivers` (the printer's link -> virtual -> status -> link circle
is gone). Read from the static import graph, TYPE_CHECKING imports included. That drivers use no
MQTT client and no Qt is an import-linter contract (pyproject.toml)."""

from __future__ import annotations

import grimp
import pytest


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("tideq", include_external_packages=True)


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
