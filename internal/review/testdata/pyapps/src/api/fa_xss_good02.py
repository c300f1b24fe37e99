import html

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/hi", response_class=HTMLResponse)
async def hi(name: str = "world"):
    return "<h1>Hi " + html.escape(name) + "</h1>"
