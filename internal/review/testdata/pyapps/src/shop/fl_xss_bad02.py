from flask import Flask, request, render_template_string

app = Flask(__name__)


@app.route("/preview", methods=["POST"])
def preview():
    body = request.form.get("body", "")
    return render_template_string("<article>" + body + "</article>")
