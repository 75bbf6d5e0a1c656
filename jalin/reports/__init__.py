"""Printable reports of a case and of a session: print-ready HTML and PDF (xhtml2pdf, pure Python)."""
