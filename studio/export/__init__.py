"""Packages for visitors: kiosk folder + zip, app BagIt bag, IIIF, Dublin Core, captions.

Content comes only through `studio.review.approved_for_export`.
"""

from __future__ import annotations

from studio.export.build import ExportOptions, ExportResult, clean_stale_builds, export_package
from studio.export.record import ExportRecord, list_records
from studio.export.verify import VerifyReport, verify_package

__all__ = [
    "ExportOptions",
    "ExportRecord",
    "ExportResult",
    "VerifyReport",
    "clean_stale_builds",
    "export_package",
    "list_records",
    "verify_package",
]
