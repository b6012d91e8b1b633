"""The app's state: settings ⇄ URL, the sidebar's widgets, link parameters, budgets."""
