import pickle

from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/models/load")
async def load_model(request: Request):
    blob = await request.body()
    model = pickle.loads(blob)
    return {"type": type(model).__name__}
