"""The pure core of fx: rates and conversion, channel rules, cross-border limits.

No Django and no other app is imported here (an import-linter contract holds it):
callers pass plain data in and get plain data back.
"""
