import operator

from fastapi import FastAPI, HTTPException

app = FastAPI()
OPS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul}


@app.get("/op/{name}")
def op(name: str, a: float, b: float):
    if name not in OPS:
        raise HTTPException(status_code=400)
    return {"value": OPS[name](a, b)}
