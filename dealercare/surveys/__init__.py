"""Surveys and CSI (DOMAIN §4): questionnaires, answers, exact scoring and analysis."""
