"""Import and export the dedicated-line ledger (专线台账) as Excel (.xlsx) or CSV.

Engineers keep the ledger in spreadsheets with Chinese headers; the project keeps it in
``inventory/lines.yaml``. An import reads every row, reports every bad cell by sheet, row and
column, and replaces lines.yaml only when the whole sheet is valid together with the project's
units and hosts. An export writes the same columns back, so export then import gives the same
lines. Which headers mean which field is data (``data/ledger_columns.yaml``), and a project can
override it in ``inventory/ledger_columns.yaml``.
"""

from govnet.ledger.columns import COLUMNS_FILE, FIELDS, LedgerColumns, get_ledger_columns
from govnet.ledger.files import lines_to_yaml
from govnet.ledger.transfer import ImportResult, export_ledger, import_ledger

__all__ = [
    "COLUMNS_FILE",
    "FIELDS",
    "ImportResult",
    "LedgerColumns",
    "export_ledger",
    "get_ledger_columns",
    "import_ledger",
    "lines_to_yaml",
]
