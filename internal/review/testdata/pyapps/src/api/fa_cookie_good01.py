import secrets

from fastapi import FastAPI, Response

app = FastAPI()


@app.post("/signin")
async def signin(response: Response):
    response.set_cookie(key="session", value=secrets.token_urlsafe(), httponly=True, secure=True)
    return {"ok": True}
