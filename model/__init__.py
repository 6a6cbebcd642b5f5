"""Ceasefire-proposal modeller."""
