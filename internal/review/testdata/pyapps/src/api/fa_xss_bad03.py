from fastapi import FastAPI, Response

app = FastAPI()


@app.get("/widget")
def widget(title: str = "Widget"):
    return Response(content="<div class='widget'><h3>" + title + "</h3></div>", media_type="text/html")
