import torch
from fastapi import FastAPI, UploadFile

app = FastAPI()


@app.post("/checkpoints")
async def load_checkpoint(file: UploadFile):
    state = torch.load(file.file)
    return {"keys": list(state)}
