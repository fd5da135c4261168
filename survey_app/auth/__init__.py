"""Staff login, logout, password change and the role checks every staff page uses."""
