from urllib.parse import urlparse

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

app = FastAPI()


@app.get("/return")
async def go_back(to: str = "/"):
    if urlparse(to).netloc:
        to = "/"
    return RedirectResponse(to)
