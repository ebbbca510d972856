"""The two calls the desktop's export and import dialogs make."""
from engine.timeline.export import FORMATS, ExportResult, export_timeline
from engine.timeline.importers import ImportResult, import_timeline

__all__ = ["FORMATS", "ExportResult", "ImportResult", "export_timeline", "import_timeline"]
