"""Complaints (DOMAIN §5): time limits; models and views come with issue 6."""
