import os

from fastapi import FastAPI
from fastapi.responses import FileResponse

app = FastAPI()
FILES = "/srv/api/files"


@app.get("/files/{filename}")
async def get_file(filename: str):
    return FileResponse(os.path.join(FILES, filename))
