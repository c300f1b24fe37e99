from fastapi import FastAPI, Response

app = FastAPI()


@app.get("/widget.txt")
def widget_text(title: str = "Widget"):
    return Response(content="title: " + title, media_type="text/plain")
