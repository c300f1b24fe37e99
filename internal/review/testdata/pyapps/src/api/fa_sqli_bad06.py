from fastapi import FastAPI, Request

from .deps import get_conn

app = FastAPI()


@app.get("/regions/{region}/stores")
async def stores(request: Request):
    region = request.path_params["region"]
    city = request.query_params.get("city", "")
    rows = get_conn().execute(f"SELECT id FROM stores WHERE region = '{region}' AND city = '{city}'").fetchall()
    return {"ids": [r[0] for r in rows]}
