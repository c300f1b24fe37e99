from fastapi import FastAPI, Header, Query

from .deps import get_conn

app = FastAPI()


@app.get("/tenant/items")
def tenant_items(x_tenant: str = Header(...), sort: str = Query("name")):
    conn = get_conn()
    rows = conn.execute(f"SELECT id FROM items WHERE tenant = '{x_tenant}' ORDER BY {sort}").fetchall()
    return {"ids": [r[0] for r in rows]}
