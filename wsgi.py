"""What gunicorn and `flask` load: `gunicorn wsgi:app`."""

from app import create_app

app = create_app()
