"""Import and export the dedicated-line ledger (专线台账) as Excel (.xlsx) or CSV.

Engineers keep the ledger in spreadsheets with Chinese headers; the project keeps it in
``inventory/lines.yaml``. An import reads every row, reports every bad cell by sheet, row and
column, and replaces lines.yaml only when the whole sheet is valid together with the project's
units and hosts. An export writes the same columns back, so export then import gives the same
lines. Which headers mean which field is data (``data/ledger_columns.yaml``), and a project can
override it in ``inventory/ledger_columns.yaml``; so are the words a cell may use
(``data/ledger_vocabulary.yaml``, extended by ``inventory/ledger_vocabulary.yaml``).

A blank template's columns and drop-downs: :func:`get_ledger_headers` and
:func:`get_ledger_choices`.
"""

from govnet.ledger.columns import (
    COLUMNS_FILE,
    FIELDS,
    LedgerColumns,
    get_ledger_columns,
    get_ledger_headers,
)
from govnet.ledger.files import lines_to_yaml
from govnet.ledger.transfer import ImportResult, export_ledger, import_ledger
from govnet.ledger.vocabulary import (
    VOCABULARY_FILE,
    Vocabulary,
    get_ledger_choices,
    get_ledger_vocabulary,
)

__all__ = [
    "COLUMNS_FILE",
    "FIELDS",
    "VOCABULARY_FILE",
    "ImportResult",
    "LedgerColumns",
    "Vocabulary",
    "export_ledger",
    "get_ledger_choices",
    "get_ledger_columns",
    "get_ledger_headers",
    "get_ledger_vocabulary",
    "import_ledger",
    "lines_to_yaml",
]
