"""Printouts: the school's paper documents as PDF (the staff room's daily changes sheet; later
the class journal's printouts), rendered by xhtml2pdf from this package's own HTML templates
with the DejaVu fonts embedded for Cyrillic.

pdf.py is the core every printout goes through (`render_pdf(template, **context)`); each
document is a module that gathers its data and names its template (changes_sheet.py)."""
