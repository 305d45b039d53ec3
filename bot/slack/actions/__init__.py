"""Block action listeners: buttons and menus in messages and in Home."""
