"""Custom dialects: `charl`, the high-level dialect close to the language."""
