"""`python run.py` serves the journal at http://127.0.0.1:8080 (HOST/PORT may change it)."""
import gc
import os

from app import create_app

app = create_app()
# The application's ~200k long-lived objects (models, forms, templates) leave the garbage
# collector's generations: a full collection in the middle of a request cost ~100 ms.
gc.collect()
gc.freeze()

if __name__ == "__main__":
    from waitress import serve

    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "8080"))
    print(f"Электронный журнал: http://{host}:{port}/  (демо-логины: admin, director, deputy, secretary, "
          "teacher, classteacher, parent, student; пароль demo)", flush=True)
    serve(app, host=host, port=port, threads=8)
