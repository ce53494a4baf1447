"""Follow-ups (DOMAIN §3): rules that schedule calls; models and views come with issue 4."""
