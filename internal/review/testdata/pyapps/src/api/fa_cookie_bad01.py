from fastapi import FastAPI, Response

app = FastAPI()


@app.post("/login")
async def login(response: Response):
    response.set_cookie(key="session", value="abc123", httponly=True)
    return {"ok": True}
