"""Modal submissions (and the options a modal's menus search)."""
