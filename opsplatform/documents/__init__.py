"""Generated documents: rendering one HTML to PDF and DOCX, and the operation's list of documents with provenance."""
