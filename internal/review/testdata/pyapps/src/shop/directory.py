"""The staff directory connection."""
from ldap3 import Connection, Server


def directory():
    return Connection(Server("ldap://ldap.internal"), auto_bind=True)
