import sqlite3


def connect():
    return sqlite3.connect("app.db")


def quote_free(value):
    if "'" in value:
        raise ValueError("quotes are not allowed")
    return value
