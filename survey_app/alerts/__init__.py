"""Staff alerts and failed deliveries (blueprint)."""
