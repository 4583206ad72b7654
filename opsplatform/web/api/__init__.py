"""The JSON API (/api/v1), one module per part of the app: handlers and the documented request shapes."""
