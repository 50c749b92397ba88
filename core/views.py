from django.db import connection
from django.http import JsonResponse


def health(request):
    """Liveness and database reachability for load balancers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:  # any database failure means "not ready"
        return JsonResponse({"status": "database unavailable"}, status=503)
