"""Demonstration data: a realistic Vietnamese programme to click through (`flask demo seed`).

Never in production: the seed refuses to run there, and refuses a database that already
holds data.
"""
