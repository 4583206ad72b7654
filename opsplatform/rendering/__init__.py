"""How things are shown to people, for pages, documents and e-mails alike: the Jinja templates, the maps and the
names of files. Beneath the domains (which render their documents and messages with it), above the access rules."""
