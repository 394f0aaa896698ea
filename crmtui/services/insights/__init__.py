"""Insights: KPIs with their working, trends, RFM segments."""
