from core.views import TEXT_SIZE_COOKIE


def accessibility(request):
    """``large_text``: the visitor switched on larger text (``core.views.text_size``); base.html scales the page."""
    return {"large_text": request.COOKIES.get(TEXT_SIZE_COOKIE) == "large"}
