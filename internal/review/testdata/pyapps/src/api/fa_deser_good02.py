import torch
from fastapi import FastAPI, UploadFile

app = FastAPI()


@app.post("/weights")
async def load_weights(file: UploadFile):
    state = torch.load(file.file, weights_only=True)
    return {"keys": list(state)}
