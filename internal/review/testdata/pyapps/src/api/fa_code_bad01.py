from fastapi import FastAPI

app = FastAPI()


@app.get("/formula/{expr}")
def formula(expr: str):
    return {"value": eval(expr, {"__builtins__": {}})}
