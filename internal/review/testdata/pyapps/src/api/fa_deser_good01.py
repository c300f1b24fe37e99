import json

from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/models/meta")
async def load_meta(request: Request):
    meta = json.loads(await request.body())
    return {"keys": list(meta)}
