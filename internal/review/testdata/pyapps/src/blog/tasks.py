"""Background jobs of the blog."""
import os


def render_pdf(slug):
    return os.system("wkhtmltopdf https://blog.example/" + slug + " /tmp/out.pdf")
