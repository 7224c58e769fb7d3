"""Defect claims (reklamaatio): photos, a remedy, and a negotiation the merchant ends in one click."""
