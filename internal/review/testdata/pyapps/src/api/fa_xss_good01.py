from fastapi import FastAPI

app = FastAPI()


@app.get("/echo")
async def echo(msg: str = ""):
    return f"<p>{msg}</p>"


@app.get("/echo-json")
async def echo_json(msg: str = ""):
    return {"msg": msg}
