"""Writes the spreadsheet ladders of the corpus the way spreadsheet apps write them.

The files are committed; this script is kept beside them to say how they were made
and to make them again after a change:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install openpyxl odfpy
    /tmp/venv/bin/python make_sheets.py

- ladder.xlsx (openpyxl, as Excel writes it) and ladder.ods (odfpy, as LibreOffice
  writes it): a title row above the table, a blank row, a header with a merged
  "Expectations" group above the levels, a category merged down over its rows, a
  blank spacer column, a Notes column, a number and a date among the cells, an
  expectation merged across two levels, and a second sheet ("Sales") with another
  ladder. The first sheet is "Engineering".
- defects.xlsx: three defects in one sheet (a duplicate competency, a blank name, a
  formula error in a cell), each to be reported by its sheet!cell reference.
"""

import datetime
import os

from openpyxl import Workbook
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableRow, TableCell, CoveredTableCell
from odf.text import P

HERE = os.path.dirname(os.path.abspath(__file__))

TITLE = "Engineering career ladder (2026 edition)"
# Row 3 groups the level columns; row 4 is the header.
GROUP = [None, None, "Expectations", None, None, None, None]
HEADER = ["Category", "Competency", "L1 — Engineer", "L2 — Senior Engineer", "L3 — Staff Engineer", None, "Notes"]
ROWS = [
    ["Technical", "Code quality", "Writes readable, tested code", "Sets the team's code standards", "Shapes the codebase across teams", None, "Reviewed yearly"],
    [None, "Testing", "Writes unit tests for their changes", "Designs the test strategy of a service", "Owns test strategy across services", None, None],
    [None, "Mentees", 0, 2, 4.5, None, "average at a time"],
    ["Collaboration", "Communication", "Writes clear status updates", "Explains trade-offs to any audience", None, None, None],
    [None, "Security training", datetime.date(2026, 3, 31), "Leads a threat model", "Runs the security review", None, "date: complete by"],
]
SALES_HEADER = ["Competency", "Account Executive", "Senior Account Executive"]
SALES_ROWS = [
    ["Prospecting", "Books first meetings", "Builds a territory plan"],
    ["Negotiation", "Follows the pricing guide", "Negotiates multi-year deals"],
]


def xlsx():
    wb = Workbook()
    ws = wb.active
    ws.title = "Engineering"
    ws.append([TITLE])
    ws.merge_cells("A1:G1")
    ws.append([])
    ws.append(GROUP)
    ws.merge_cells("C3:E3")
    ws.append(HEADER)
    for r in ROWS:
        ws.append(r)
    ws["C9"].number_format = "yyyy-mm-dd"
    ws.merge_cells("A5:A7")
    # "Explains trade-offs" holds for L2 and L3 alike: merged across both.
    ws.merge_cells("D8:E8")
    sales = wb.create_sheet("Sales")
    sales.append(SALES_HEADER)
    for r in SALES_ROWS:
        sales.append(r)
    wb.save(os.path.join(HERE, "ladder.xlsx"))


def ods():
    doc = OpenDocumentSpreadsheet()

    def cell(v, span=1, rows=1):
        attrs = {}
        if span > 1:
            attrs["numbercolumnsspanned"] = span
        if rows > 1:
            attrs["numberrowsspanned"] = rows
        if v is None:
            return TableCell(**attrs)
        if isinstance(v, datetime.date):
            c = TableCell(valuetype="date", datevalue=v.isoformat(), **attrs)
            c.addElement(P(text=v.strftime("%d/%m/%Y")))
            return c
        if isinstance(v, (int, float)):
            c = TableCell(valuetype="float", value=v, **attrs)
            c.addElement(P(text=str(v)))
            return c
        c = TableCell(valuetype="string", **attrs)
        c.addElement(P(text=v))
        return c

    def row(cells):
        tr = TableRow()
        for c in cells:
            tr.addElement(c)
        return tr

    t = Table(name="Engineering")
    t.addElement(row([cell(TITLE, span=7)] + [CoveredTableCell() for _ in range(6)]))
    t.addElement(row([cell(None)]))
    t.addElement(row([cell(None), cell(None), cell("Expectations", span=3), CoveredTableCell(), CoveredTableCell(), cell(None), cell(None)]))
    t.addElement(row([cell(v) for v in HEADER]))
    for i, r in enumerate(ROWS):
        cells = []
        for j, v in enumerate(r):
            if j == 0 and i == 0:
                cells.append(cell(v, rows=3))
            elif j == 0 and i in (1, 2):
                cells.append(CoveredTableCell())
            elif i == 3 and j == 3:
                cells.append(cell(v, span=2))
            elif i == 3 and j == 4:
                cells.append(CoveredTableCell())
            else:
                cells.append(cell(v))
        t.addElement(row(cells))
    doc.spreadsheet.addElement(t)
    s = Table(name="Sales")
    s.addElement(row([cell(v) for v in SALES_HEADER]))
    for r in SALES_ROWS:
        s.addElement(row([cell(v) for v in r]))
    doc.spreadsheet.addElement(s)
    doc.save(os.path.join(HERE, "ladder.ods"))


def defects():
    wb = Workbook()
    ws = wb.active
    ws.title = "Ladder"
    ws.append(["Competency", "L1", "L2"])
    ws.append(["Testing", "Writes tests", "Owns the test strategy"])
    ws.append(["testing", "Tests things", "Plans tests"])
    ws.append([None, "A row without a name", "x"])
    ws.append(["Design", "#REF!", "Designs systems"])
    wb.save(os.path.join(HERE, "defects.xlsx"))


xlsx()
ods()
defects()
