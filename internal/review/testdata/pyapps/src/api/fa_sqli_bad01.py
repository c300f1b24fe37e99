from fastapi import FastAPI

from .deps import get_conn

app = FastAPI()


@app.get("/items/{item_id}")
async def read_item(item_id: str, q: str | None = None):
    conn = get_conn()
    sql = "SELECT id, name FROM items WHERE id = '" + item_id + "'"
    if q:
        sql += f" AND name LIKE '%{q}%'"
    return {"items": conn.execute(sql).fetchall()}
