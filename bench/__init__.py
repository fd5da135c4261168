"""Benchmarks at city scale. The data generator they share with the demo is part of the product
(`survey_app.services.demo_data`): bench/ imports the product, never the other way round."""
