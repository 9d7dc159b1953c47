"""charlc: the Charl compiler."""
