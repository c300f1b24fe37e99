"""Database helpers shared by the shop's views."""
import sqlite3

DB_PATH = "/var/lib/shop/shop.db"


def get_db():
    return sqlite3.connect(DB_PATH)


def run_query(sql, params=()):
    conn = get_db()
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def order_clause(column):
    return "ORDER BY " + column


def products_where(field, value):
    return "SELECT id, name FROM products WHERE {} = '{}'".format(field, value)
