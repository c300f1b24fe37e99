from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse

app = FastAPI()
DOCS = Path("/srv/api/docs")


@app.get("/docs/{name}")
async def get_doc(name: str):
    path = DOCS / Path(name).name
    if not path.is_file():
        raise HTTPException(status_code=404)
    return FileResponse(path)
