"""A realistic risk-control matrix for import tests: built with openpyxl, as a SOX team's
workbook looks (title rows above the header, a header row not on row 1, spellings that differ
between sheets, merged process and risk cells, section rows merged across the table, blank
rows, an instructions sheet, columns nobody maps, assertion codes and free-text criteria).

The company (ACME Devices) and every text are invented for these tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# (risk id, what could go wrong, fraud, likelihood, impact, accounts, assertions)
RISKS: dict[str, tuple[str, str, str, str, str, str]] = {
    "R-O2C-1": ("Sales are booked for orders that were never placed or approved", "Y", "M", "H", "Revenue; Trade receivables", "E/O"),
    "R-O2C-2": ("Invoices carry prices or discounts that were not approved", "N", "M", "M", "Revenue; Trade receivables", "V/A"),
    "R-O2C-3": ("Shipments near the quarter end are recorded in the wrong period", "N", "H", "M", "Revenue; Deferred revenue", "CO, E/O"),
    "R-O2C-4": ("Cash receipts are applied to the wrong customer or not at all", "N", "L", "M", "Trade receivables; Cash", "E/O, C"),
    "R-O2C-5": ("Doubtful receivables are not reserved", "N", "M", "M", "Trade receivables", "V/A"),
    "R-O2C-6": ("Credit notes are raised to hide misappropriated receipts", "Y", "L", "M", "Revenue; Trade receivables", "E/O, V/A"),
    "R-P2P-1": ("Payments are made to fictitious or unapproved suppliers", "Y", "M", "H", "Accounts payable; Cash", "E/O"),
    "R-P2P-2": ("Goods received are not recorded as liabilities at period end", "N", "M", "M", "Accounts payable; Accrued liabilities", "C, CO"),
    "R-P2P-3": ("Invoices are paid twice or at the wrong amount", "N", "M", "M", "Accounts payable", "V/A, E/O"),
    "R-P2P-4": ("Purchases are made without budget approval", "N", "M", "L", "Accounts payable", "E/O"),
    "R-P2P-5": ("Supplier bank details are changed by someone outside purchasing", "Y", "L", "H", "Cash; Accounts payable", "E/O"),
    "R-PAY-1": ("Employees who have left stay on the payroll", "Y", "L", "M", "Payroll expense", "E/O"),
    "R-PAY-2": ("Pay rates differ from approved contracts", "N", "M", "M", "Payroll expense", "V/A"),
    "R-PAY-3": ("Bonus and commission accruals are incomplete", "N", "M", "M", "Accrued liabilities; Payroll expense", "C, V/A"),
    "R-PAY-4": ("Payroll taxes are calculated or remitted wrongly", "N", "L", "M", "Payroll expense; Accrued liabilities", "V/A, C"),
    "R-INV-1": ("Stock on the books is not on hand", "N", "M", "H", "Inventory", "E/O"),
    "R-INV-2": ("Slow-moving devices are not written down", "N", "M", "M", "Inventory", "V/A"),
    "R-INV-3": ("Standard costs are out of date", "N", "M", "M", "Inventory; Cost of sales", "V/A"),
    "R-INV-4": ("Goods in transit are counted twice or missed", "N", "L", "M", "Inventory", "C, CO"),
    "R-TRE-1": ("Bank balances do not agree to the general ledger", "N", "L", "H", "Cash", "E/O, C"),
    "R-TRE-2": ("Wires are released by a single person", "Y", "L", "H", "Cash", "E/O"),
    "R-TRE-3": ("Debt covenants are breached without disclosure", "N", "L", "H", "Borrowings", "P&D"),
    "R-FC-1": ("Manual journal entries are posted without review", "Y", "M", "H", "Revenue; Accounts payable; Inventory", "E/O, V/A"),
    "R-FC-2": ("Balance sheet accounts carry unexplained differences", "N", "M", "M", "Cash; Trade receivables; Accounts payable; Accrued liabilities", "E/O, C, V/A"),
    "R-FC-3": ("Intercompany balances do not eliminate", "N", "M", "M", "Revenue; Cost of sales", "P&D"),
    "R-FC-4": ("Disclosures are incomplete or do not agree to the ledger", "N", "M", "M", "Revenue; Borrowings", "P&D"),
    "R-FC-5": ("The tax provision is wrong", "N", "M", "H", "Income taxes", "V/A, C"),
    "R-FC-6": ("Accounting estimates are biased", "Y", "M", "H", "Accrued liabilities; Trade receivables", "V/A"),
    "R-FC-7": ("Leases are missed from the lease register", "N", "L", "M", "Lease liabilities", "C"),
}

# Columns of the order-to-cash sheet (header on row 4, below a title and a note).
O2C_HEADER = [
    "Process",
    "Sub-Process",
    "Risk #",
    "Risk Description (What could go wrong?)",
    "Fraud Risk (Y/N)",
    "Likelihood",
    "Impact",
    "FSLI",
    "Assertions",
    "Ctrl Ref",
    "Control Activity",
    "Control Owner",
    "Freq",
    "Manual/Automated/ITDM",
    "Prev/Det",
    "Key / Non-key",
    "Application",
    "Key Reports",
    "SOC 2 (TSC 2017)",
    "COSO 2013 Principle",
    "Testing Procedure",
    "Sample Size",
]
# Other process sheets (header on row 3): other spellings of the same columns.
OTHER_HEADER = [
    "Business Process",
    "Subprocess",
    "Risk ID",
    "WCGW",
    "Fraud?",
    "Probability",
    "Magnitude",
    "Significant Account(s)",
    "Relevant Assertions",
    "Control #",
    "Control Description",
    "Performed By",
    "Frequency",
    "Nature",
    "Control Type",
    "Key Control",
    "System",
    "IPE",
    "TSC Reference",
    "COSO",
    "Walkthrough date",
]

# (sheet, subprocess, risk ids, control id, description, owner, frequency, nature, type, key,
#  system, reports, soc2, coso)
CONTROLS: list[tuple[Any, ...]] = [
    ("O2C", "Order entry", ["R-O2C-1"], "O2C-01", "Sales orders above 25k are approved by the sales director in the CRM before they are released to billing.", "Sales director", "As needed", "ITDM", "Preventive", "Key", "Salesforce CRM", "", "CC6.1", "P10"),
    ("O2C", "Order entry", ["R-O2C-1"], "O2C-02", "The CRM blocks order release for customers without a signed master agreement.", "Sales operations", "Multiple times per day", "Automated", "Prev", "Key", "Salesforce CRM", "", "CC6.1, CC8.1", "P11"),
    ("O2C", "Order entry", ["R-O2C-2"], "O2C-03", "Price list changes are approved by the CFO and loaded by finance systems staff only.", "CFO", "Q", "Manual", "P", "Key", "NetSuite ERP", "", "CC6.1", "P10, P12"),
    ("O2C", "Order entry", ["R-O2C-2"], "O2C-04", "Discounts above 15% route to the finance manager for approval in the CRM.", "Finance manager", "Per transaction", "ITDM", "Preventive", "Key", "Salesforce CRM", "", "", "P10"),
    ("O2C", "Billing", ["R-O2C-3"], "O2C-05", "The revenue accountant reviews shipping logs for the last five days of each quarter against invoices.", "Revenue accountant", "Quarterly", "Manual", "Detective", "Key", "NetSuite ERP", "Shipping log report", "", "P10"),
    ("O2C", "Billing", ["R-O2C-3"], "O2C-06", "The ERP invoices automatically on shipment confirmation from the warehouse system.", "ERP administrator", "Continuous", "Automated", "Preventive", "Key", "NetSuite ERP", "", "PI1.3", ""),
    ("O2C", "Billing", ["R-O2C-6"], "O2C-07", "Credit notes above 5k need a second approval from the controller.", "Controller", "As needed", "ITDM", "Preventive", "Key", "NetSuite ERP", "Credit note register", "", "P10"),
    ("O2C", "Billing", ["R-O2C-6"], "O2C-08", "The controller reviews the monthly credit note register for unusual items.", "Controller", "Monthly", "Manual", "Detective", "Non-key", "", "Credit note register", "", "P16"),
    ("O2C", "Cash application", ["R-O2C-4"], "O2C-09", "Unapplied cash is reviewed weekly and cleared by the AR team lead.", "AR team lead", "Weekly", "Manual", "Detective", "Key", "NetSuite ERP", "Unapplied cash report", "", ""),
    ("O2C", "Cash application", ["R-O2C-4"], "O2C-10", "Bank lockbox files are matched to open invoices by the ERP; exceptions go to a queue.", "AR team lead", "Daily", "Automated", "Preventive", "Key", "NetSuite ERP", "", "PI1.2", ""),
    ("O2C", "Collections", ["R-O2C-5"], "O2C-11", "The credit manager reviews the aged receivables each month and proposes specific reserves.", "Credit manager", "Monthly", "ITDM", "Detective", "Key", "NetSuite ERP", "AR aging report", "", "P10"),
    ("O2C", "Collections", ["R-O2C-5", "R-FC-6"], "O2C-12", "The CFO approves the allowance for doubtful accounts and its method each quarter.", "CFO", "Quarterly", "Manual", "Detective", "Key", "", "AR aging report", "", "P10, P14"),
    ("P2P", "Supplier master", ["R-P2P-1"], "P2P-01", "New suppliers are set up only with a signed form, tax id check and purchasing approval.", "AP supervisor", "As needed", "ITDM", "Preventive", "Key", "Coupa", "", "CC6.1", "P10"),
    ("P2P", "Supplier master", ["R-P2P-5"], "P2P-02", "Supplier bank detail changes are called back on a known number before they take effect.", "AP supervisor", "As needed", "Manual", "Preventive", "Key", "Coupa", "", "", "P10"),
    ("P2P", "Supplier master", ["R-P2P-5", "R-P2P-1"], "P2P-03", "The controller reviews the monthly log of supplier master changes.", "Controller", "M", "ITDM", "Detective", "Key", "Coupa", "Vendor master change log", "CC8.1", "P16"),
    ("P2P", "Purchasing", ["R-P2P-4"], "P2P-04", "Purchase orders follow the approval matrix configured in the procurement system.", "Procurement lead", "Multiple times per day", "Automated", "Preventive", "Key", "Coupa", "", "CC6.1", "P11"),
    ("P2P", "Purchasing", ["R-P2P-4"], "P2P-05", "Budget holders review spend against budget each month.", "Budget holders", "Monthly", "Manual", "Detective", "Non-key", "", "", "", "P12"),
    ("P2P", "Invoice processing", ["R-P2P-3"], "P2P-06", "Three-way match blocks invoices that differ from the PO and receipt by more than 2%.", "AP supervisor", "Continuous", "Automated", "Preventive", "Key", "Coupa", "", "PI1.3", "P11"),
    ("P2P", "Invoice processing", ["R-P2P-3"], "P2P-07", "Duplicate invoice report reviewed before each payment run.", "AP supervisor", "Weekly", "ITDM", "Detective", "Key", "NetSuite ERP", "Duplicate invoice report", "", ""),
    ("P2P", "Accruals", ["R-P2P-2"], "P2P-08", "Goods received not invoiced are accrued at month end from the receiving report.", "Senior accountant", "Monthly", "ITDM", "Detective", "Key", "NetSuite ERP", "GRNI report", "", "P10"),
    ("P2P", "Accruals", ["R-P2P-2"], "P2P-09", "The controller performs a search for unrecorded liabilities at each quarter end.", "Controller", "Q", "Manual", "Detective", "Key", "", "Subsequent disbursements listing", "", "P10"),
    ("P2P", "Disbursements", ["R-P2P-1", "R-P2P-3"], "P2P-10", "Payment runs are approved by two authorised signatories in the bank portal.", "Treasurer", "Weekly", "ITDM", "Preventive", "Key", "Bank portal", "", "CC6.1", "P10"),
    ("P2P", "Disbursements", ["R-P2P-3"], "P2P-11", "Manual cheques are logged and reviewed by the controller monthly.", "Controller", "Monthly", "Manual", "Detective", "Non-key", "", "", "", ""),
    ("Payroll & HR", "Joiners and leavers", ["R-PAY-1"], "PAY-01", "HR terminates leavers in the HR system before the next payroll cut-off.", "HR manager", "As needed", "ITDM", "Preventive", "Key", "Workday", "", "CC6.2, CC6.3", "P10"),
    ("Payroll & HR", "Joiners and leavers", ["R-PAY-1"], "PAY-02", "Payroll compares the headcount report to the payroll register every run.", "Payroll manager", "Semi-monthly", "ITDM", "Detective", "Key", "ADP", "Headcount report", "", "P16"),
    ("Payroll & HR", "Pay changes", ["R-PAY-2"], "PAY-03", "Pay rate changes need an approved change form from the department head and HR.", "HR manager", "As needed", "Manual", "Preventive", "Key", "Workday", "", "", "P10"),
    ("Payroll & HR", "Pay changes", ["R-PAY-2"], "PAY-04", "The payroll manager reviews the pay change report against approved forms each run.", "Payroll manager", "Bi-weekly", "ITDM", "Detective", "Key", "ADP", "Pay change report", "", "P10"),
    ("Payroll & HR", "Payroll run", ["R-PAY-4"], "PAY-05", "The payroll provider calculates taxes; finance reconciles tax filings each quarter.", "Payroll manager", "Quarterly", "ITDM", "Detective", "Key", "ADP", "Tax filing summary", "", "P13"),
    ("Payroll & HR", "Payroll run", ["R-PAY-2", "R-PAY-4"], "PAY-06", "The CFO approves the payroll register before funds are released.", "CFO", "Bi-weekly", "Manual", "Preventive", "Key", "ADP", "Payroll register", "", "P10"),
    ("Payroll & HR", "Accruals", ["R-PAY-3"], "PAY-07", "Bonus and commission accruals are calculated from plan terms and reviewed by FP&A.", "FP&A manager", "Monthly", "ITDM", "Detective", "Key", "", "Commission calculation workbook", "", "P10"),
    ("Payroll & HR", "Accruals", ["R-PAY-3"], "PAY-08", "The controller reviews the accrued vacation roll-forward each quarter.", "Controller", "Quarterly", "Manual", "Detective", "Non-key", "", "", "", ""),
    ("Inventory", "Counts", ["R-INV-1"], "INV-01", "Warehouse staff perform cycle counts on a rolling schedule; variances over 1% are investigated.", "Warehouse manager", "Weekly", "ITDM", "Detective", "Key", "NetSuite ERP", "Cycle count variance report", "", "P10"),
    ("Inventory", "Counts", ["R-INV-1", "R-INV-4"], "INV-02", "A full physical count is taken at year end and observed by finance.", "Controller", "Annual", "Manual", "Detective", "Key", "", "", "", "P10"),
    ("Inventory", "Counts", ["R-INV-4"], "INV-03", "Goods in transit at period end are listed from carrier confirmations and agreed to the ledger.", "Logistics lead", "Quarterly", "Manual", "Detective", "Key", "", "In-transit listing", "", ""),
    ("Inventory", "Costing", ["R-INV-3"], "INV-04", "Standard costs are updated each year and variances reviewed monthly by cost accounting.", "Cost accountant", "Monthly", "ITDM", "Detective", "Key", "NetSuite ERP", "Purchase price variance report", "", "P10"),
    ("Inventory", "Costing", ["R-INV-2"], "INV-05", "Slow-moving and obsolete stock is reviewed each quarter and written down with CFO approval.", "Cost accountant", "Quarterly", "ITDM", "Detective", "Key", "NetSuite ERP", "Inventory aging report", "", "P10"),
    ("Inventory", "Costing", ["R-INV-2"], "INV-06", "Returned devices are inspected and graded before going back to stock.", "Warehouse manager", "Daily", "Manual", "Preventive", "Non-key", "", "", "", ""),
    ("Treasury", "Cash", ["R-TRE-1"], "TRE-01", "Every bank account is reconciled to the ledger monthly and reviewed by the controller.", "Senior accountant", "Monthly", "ITDM", "Detective", "Key", "NetSuite ERP", "Bank reconciliation workbook", "", "P10"),
    ("Treasury", "Cash", ["R-TRE-2"], "TRE-02", "Wires require two approvers in the bank portal; single-user release is disabled.", "Treasurer", "Continuous", "Automated", "Preventive", "Key", "Bank portal", "", "CC6.1", "P11"),
    ("Treasury", "Cash", ["R-TRE-2"], "TRE-03", "Bank portal users and limits are reviewed every six months.", "Treasurer", "Semi-annual", "Manual", "Detective", "Key", "Bank portal", "Bank user listing", "CC6.2", "P11"),
    ("Treasury", "Debt", ["R-TRE-3"], "TRE-04", "Covenant calculations are prepared each quarter and reviewed by the CFO.", "Treasurer", "Quarterly", "Manual", "Detective", "Key", "", "Covenant workbook", "", "P10"),
    ("Treasury", "Debt", ["R-TRE-3"], "TRE-05", "The debt footnote is tied out to loan agreements each quarter.", "Technical accounting", "Quarterly", "Manual", "Detective", "Non-key", "", "", "", ""),
    ("Financial Close", "Journal entries", ["R-FC-1"], "FC-01", "Manual journal entries are approved in the ERP by someone other than the preparer.", "Controller", "Multiple times per day", "ITDM", "Preventive", "Key", "NetSuite ERP", "", "CC8.1", "P10, P8"),
    ("Financial Close", "Journal entries", ["R-FC-1"], "FC-02", "The ERP blocks posting of unbalanced entries and self-approval.", "ERP administrator", "Continuous", "Automated", "Preventive", "Key", "NetSuite ERP", "", "", "P11"),
    ("Financial Close", "Journal entries", ["R-FC-1"], "FC-03", "The CFO reviews a listing of entries above 100k and all top-side entries each quarter.", "CFO", "Quarterly", "ITDM", "Detective", "Key", "NetSuite ERP", "Journal entry listing", "", "P8"),
    ("Financial Close", "Reconciliations", ["R-FC-2"], "FC-04", "Balance sheet reconciliations are prepared and reviewed within ten days of month end.", "Controller", "Monthly", "ITDM", "Detective", "Key", "BlackLine", "Trial balance", "", "P10"),
    ("Financial Close", "Reconciliations", ["R-FC-2"], "FC-05", "Reconciling items older than 90 days are escalated to the CFO.", "Controller", "Monthly", "Manual", "Corrective", "Non-key", "BlackLine", "", "", "P17"),
    ("Financial Close", "Consolidation", ["R-FC-3"], "FC-06", "Intercompany balances are agreed between entities and differences cleared before consolidation.", "Consolidation accountant", "Monthly", "ITDM", "Detective", "Key", "NetSuite ERP", "Intercompany matching report", "", "P10"),
    ("Financial Close", "Consolidation", ["R-FC-3"], "FC-07", "The consolidation is reviewed by the controller, including eliminations.", "Controller", "Monthly", "Manual", "Detective", "Key", "", "Consolidation workbook", "", "P10"),
    ("Financial Close", "Reporting", ["R-FC-4"], "FC-08", "The disclosure checklist is completed and reviewed for each quarterly filing.", "Technical accounting", "Quarterly", "Manual", "Detective", "Key", "", "", "CC2.3", "P13, P15"),
    ("Financial Close", "Reporting", ["R-FC-4"], "FC-09", "The financial statements are tied out to the trial balance by someone independent of preparation.", "SEC reporting manager", "Quarterly", "ITDM", "Detective", "Key", "", "Trial balance", "", "P13"),
    ("Financial Close", "Reporting", ["R-FC-4"], "FC-10", "The disclosure committee reviews each filing before the certifications are signed.", "CFO", "Quarterly", "Manual", "Detective", "Key", "", "", "CC2.2", "P14"),
    ("Financial Close", "Tax", ["R-FC-5"], "FC-11", "The tax provision is prepared by the tax manager and reviewed by an outside adviser.", "Tax manager", "Quarterly", "Manual", "Detective", "Key", "", "Tax provision workbook", "", "P10"),
    ("Financial Close", "Tax", ["R-FC-5"], "FC-12", "Uncertain tax positions are reviewed with counsel each year.", "Tax manager", "Annually", "Manual", "Detective", "Key", "", "", "", "P7"),
    ("Financial Close", "Estimates", ["R-FC-6"], "FC-13", "Significant estimates and their assumptions are reviewed by the audit committee each quarter.", "CFO", "Quarterly", "Manual", "Detective", "Key", "", "", "CC1.2", "P2, P8"),
    ("Financial Close", "Estimates", ["R-FC-6"], "FC-14", "Warranty reserve is recomputed from claims history each quarter.", "Senior accountant", "Quarterly", "ITDM", "Detective", "Key", "NetSuite ERP", "Warranty claims report", "", "P10"),
    ("Financial Close", "Leases", ["R-FC-7"], "FC-15", "Legal sends new and amended leases to accounting; the lease register is reconciled quarterly.", "Lease accountant", "Quarterly", "Manual", "Detective", "Key", "", "Lease register", "", "P10"),
    ("Financial Close", "Leases", ["R-FC-7"], "FC-16", "Procurement contracts are screened for embedded leases when signed.", "Procurement lead", "As needed", "Manual", "Preventive", "Non-key", "Coupa", "", "", ""),
    ("ITGC", "Access", [], "ITGC-01", "New ERP access is granted only on an approved ticket.", "IT service desk", "As needed", "ITDM", "Preventive", "Key", "NetSuite ERP", "", "CC6.2", "P11"),
    ("ITGC", "Access", [], "ITGC-02", "Leavers' access to the ERP and bank portal is removed within one business day.", "IT service desk", "As needed", "ITDM", "Preventive", "Key", "NetSuite ERP; Bank portal", "", "CC6.2, CC6.3", "P11"),
    ("ITGC", "Access", [], "ITGC-03", "ERP user access and roles are reviewed by business owners each quarter.", "IT security lead", "Quarterly", "ITDM", "Detective", "Key", "NetSuite ERP", "ERP user listing", "CC6.2, CC6.3; CC6.1", "P11, P16"),
    ("ITGC", "Access", [], "ITGC-04", "Privileged ERP accounts are limited to named administrators and reviewed monthly.", "IT security lead", "Monthly", "ITDM", "Detective", "Key", "NetSuite ERP", "Admin account listing", "CC6.3", "P11"),
    ("ITGC", "Change", [], "ITGC-05", "ERP configuration changes are tested and approved before they reach production.", "ERP administrator", "As needed", "ITDM", "Preventive", "Key", "NetSuite ERP", "", "CC8.1", "P11"),
    ("ITGC", "Change", [], "ITGC-06", "Production changes are compared to approved tickets each month.", "IT manager", "Monthly", "ITDM", "Detective", "Key", "NetSuite ERP", "Change log", "CC8.1", "P11"),
    ("ITGC", "Operations", [], "ITGC-07", "Failed interface and batch jobs are followed up daily.", "IT operations", "Daily", "ITDM", "Detective", "Key", "NetSuite ERP", "", "CC7.1, A1.2", "P11"),
]

SHEETS = ["O2C", "P2P", "Payroll & HR", "Inventory", "Treasury", "Financial Close", "ITGC"]
SECTIONS = {"O2C": ["Billing"], "Financial Close": ["Reporting"]}  # a merged title row above

# What the fixture holds (the import must find exactly this).
EXPECTED = {
    "controls": len(CONTROLS),
    "key": sum(1 for c in CONTROLS if c[9] == "Key"),
    "risks": len(RISKS),
    "fraud": sum(1 for r in RISKS.values() if r[1] == "Y"),
    "accounts": len({a.strip() for r in RISKS.values() for a in r[4].split(";")}),
    "rows": sum(max(1, len(c[2])) for c in CONTROLS),
}


def build_acme_rcm(path: Path, mutate: Any = None) -> Path:
    """Write the workbook. `mutate(sheet_name, rows)` may change a sheet's rows (lists of
    cells, header included) before they are written: the malformed variants."""
    from openpyxl import Workbook

    wb = Workbook()
    intro = wb.active
    intro.title = "Instructions"
    intro.append(["ACME Devices - SOX risk and control matrix, FY2026"])
    intro.append(["Fill one row per control and risk. Do not rename the columns."])
    intro.append(["Owner: SOX PMO"])
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet)
        header = O2C_HEADER if sheet == "O2C" else OTHER_HEADER
        top = [["ACME Devices - Risk Control Matrix FY2026"], [f"Process: {sheet}"]]
        if sheet == "O2C":
            top.append(["Prepared by the SOX PMO; reviewed by internal audit"])
        rows: list[list[Any]] = [list(header)]
        merges: list[tuple[int, int, int, int]] = []  # (first row, last row, col, col)
        previous_sub = None
        for c in (c for c in CONTROLS if c[0] == sheet):
            _, sub, risk_ids, cid, desc, owner, freq, nature, ctype, key, system, reports, soc2, coso = c
            if sub in SECTIONS.get(sheet, []) and sub != previous_sub:
                rows.append([f"{sub}"])  # a section title, merged across below
                merges.append((len(rows), len(rows), 1, len(header)))
            if sub != previous_sub and previous_sub is not None and sheet == "P2P":
                rows.append([])  # a blank row between subprocesses
            previous_sub = sub
            first = len(rows) + 1
            for i, rid in enumerate(risk_ids or [None]):
                risk = RISKS.get(rid) if rid else None
                cells = _row(sheet, header, sub, rid, risk, cid, desc, owner, freq, nature, ctype,
                             key, system, reports, soc2, coso, repeat=i > 0)  # fmt: skip
                rows.append(cells)
            if sheet == "O2C" and len(risk_ids) > 1:
                # the control's own cells merged over its risk rows
                for col in range(header.index("Ctrl Ref"), len(header)):
                    merges.append((first, len(rows), col + 1, col + 1))
        if mutate is not None:
            mutate(sheet, rows)
        for line in top:
            ws.append(line)
        offset = len(top)
        for cells in rows:
            ws.append(cells)
        for r1, r2, c1, c2 in merges:
            ws.merge_cells(start_row=r1 + offset, end_row=r2 + offset, start_column=c1, end_column=c2)
        if sheet == "O2C":
            sections = {r1 for r1, r2, c1, c2 in merges if r1 == r2}
            _merge_process_column(ws, offset, len(rows), sections)
    wb.save(path)
    return path


def _row(sheet: str, header: list[str], sub: str, rid: Any, risk: Any, cid: str, desc: str,
         owner: str, freq: str, nature: str, ctype: str, key: str, system: str, reports: str,
         soc2: str, coso: str, repeat: bool) -> list[Any]:  # fmt: skip
    values = {
        "process": sheet,
        "sub": sub,
        "risk_id": rid or "",
        "risk": risk[0] if risk else "",
        "fraud": risk[1] if risk else "",
        "likelihood": risk[2] if risk else "",
        "impact": risk[3] if risk else "",
        "accounts": risk[4] if risk else "",
        "assertions": risk[5] if risk else "",
        "id": cid,
        "desc": desc,
        "owner": owner,
        "freq": freq,
        "nature": nature,
        "type": ctype,
        "key": key,
        "system": system,
        "reports": reports,
        "soc2": soc2,
        "coso": coso,
    }
    order = ["process", "sub", "risk_id", "risk", "fraud", "likelihood", "impact", "accounts",
             "assertions", "id", "desc", "owner", "freq", "nature", "type", "key", "system",
             "reports", "soc2", "coso"]  # fmt: skip
    cells: list[Any] = [values[k] for k in order]
    if sheet == "O2C":
        cells += ["Inspect evidence of approval for a sample", 25 if freq != "Quarterly" else 2]
        if repeat:  # merged cells: only the top one holds the value
            for col in range(header.index("Ctrl Ref"), len(header)):
                cells[col] = None
    else:
        cells += ["2026-02-10"]
    if sheet == "Payroll & HR" and repeat:
        cells[0] = cells[1] = ""  # a blank process: the row above says it
    return cells


def _merge_process_column(ws: Any, offset: int, count: int, sections: set[int]) -> None:
    """The process column merged down each block of rows between section titles."""
    start = 2
    for r in [*sorted(sections), count + 1]:
        if r - 1 > start:
            ws.merge_cells(start_row=offset + start, end_row=offset + r - 1, start_column=1, end_column=1)
        start = r + 1
