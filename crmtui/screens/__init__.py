"""One module per screen and per modal dialog. Screens call services; they never write SQL."""
