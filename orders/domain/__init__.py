"""The pure-Python heart of the write side: no Django, no database, no clock of its own.

Everything here can be unit-tested with plain objects. Services (orders/services.py) load an
aggregate, call one method, and persist what it recorded.
"""
