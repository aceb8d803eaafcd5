import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Serve the platform. By default a production server (gunicorn) with --workers "
        "processes; --dev runs Django's autoreloading development server instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind",
            default=f"127.0.0.1:{os.environ.get('PORT', '8000')}",
            help="address:port to listen on (default 127.0.0.1:$PORT, PORT defaults to 8000)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_WORKERS", "2")),
            help="worker processes (default $WEB_WORKERS or 2)",
        )
        parser.add_argument(
            "--threads", type=int, default=4, help="threads per worker process (default 4)"
        )
        parser.add_argument(
            "--timeout", type=int, default=60, help="seconds before a stuck request is killed"
        )
        parser.add_argument(
            "--dev", action="store_true", help="Django's development server, reloading on change"
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="also run `ishenim worker` (background tasks) beside the server, stopped with"
            " it: what `make run` does, so that imports and open data files proceed on one"
            " machine without a second command",
        )

    def handle(self, *args, bind, workers, threads, timeout, dev, with_worker, **options):
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        self.stdout.write(f"Ishenim on http://{bind}/ ({settings.ISHENIM_ENV})")
        worker = None
        if with_worker:
            # A process of its own (not a thread of the server): the task worker has its own
            # signal handling and must not be forked with gunicorn's workers.
            worker = subprocess.Popen([sys.executable, "-m", "ishenim.cli", "worker"])
        try:
            self._serve(bind=bind, workers=workers, threads=threads, timeout=timeout, dev=dev)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _serve(self, *, bind, workers, threads, timeout, dev):
        if dev:
            call_command("runserver", bind, use_reloader=True)
            return
        from gunicorn.app.base import BaseApplication

        from ishenim.wsgi import application

        class Server(BaseApplication):
            def load_config(self):
                for key, value in {
                    "bind": bind,
                    "workers": workers,
                    "threads": threads,
                    "timeout": timeout,
                    "accesslog": "-",
                    "errorlog": "-",
                    # Workers share the port; each imports the app once before forking.
                    "preload_app": True,
                    "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
                }.items():
                    self.cfg.set(key, value)

            def load(self):
                return application

        Server().run()
