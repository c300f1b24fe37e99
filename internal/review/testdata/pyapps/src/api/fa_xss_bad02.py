from fastapi import FastAPI, Cookie
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/welcome", response_class=HTMLResponse)
async def welcome(name: str | None = Cookie(default=None)):
    return f"<p>Welcome back, {name}</p>"
