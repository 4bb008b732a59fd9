"""Calls: competitions, tracks, rounds and pools, their lifecycle and public pages."""
