"""Dealercare: a Customer Relationship Center for car dealers."""
