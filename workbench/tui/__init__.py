"""The Textual user interface: screens and widgets that present core data and dispatch actions."""
