from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/prefs")
async def prefs(request: Request, theme: str):
    request.session["theme"] = theme
    return {"ok": True}
