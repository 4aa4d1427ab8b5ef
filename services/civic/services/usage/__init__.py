"""Usage: API calls and downloads recorded, rolled up by day, and read as analytics."""
