"""The HTML pages, one module per part of the app: handlers only, the work is done by the domains."""
