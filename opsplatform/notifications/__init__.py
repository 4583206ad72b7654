"""In-app notifications: what happened that concerns a user, with an unread count in every page's header."""
