"""Libraries built on requests, running on tether through the switch (see conftest.py)."""
