import os

from flask import Flask, request

app = Flask(__name__)


class Backup:
    def __init__(self, target):
        self.target = target

    def run(self):
        return os.system("tar czf /backups/site.tgz " + self.target)


@app.route("/admin/backup")
def backup():
    job = Backup(request.args.get("dir", "/srv/shop"))
    job.run()
    return "started"
