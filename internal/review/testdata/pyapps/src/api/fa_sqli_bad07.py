from fastapi import FastAPI

from .deps import get_conn

app = FastAPI()


@app.get("/catalog/sorted")
def catalog_sorted(sort: str = "name", order: str = "asc"):
    rows = get_conn().execute(f"SELECT id FROM catalog ORDER BY {sort} {order}").fetchall()
    return {"ids": [r[0] for r in rows]}
