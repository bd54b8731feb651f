def roles(request):
    """Expose the signed-in user's roles so the navigation can show them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    return {
        "is_reader": user.is_reader,
        "is_librarian": user.is_librarian,
        "is_provider": user.is_provider,
    }
