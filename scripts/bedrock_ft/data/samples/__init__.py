"""Sample datasets the package can render without the repository (``bedrock-ft demo`` uses them)."""
