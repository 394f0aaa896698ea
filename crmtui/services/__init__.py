"""The business rules. Plain Python: never imports Textual."""
