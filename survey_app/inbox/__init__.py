"""The feedback inbox: the citizen's form and tracking page, the staff inbox, and the Tiêu chí 1.2 registers."""
