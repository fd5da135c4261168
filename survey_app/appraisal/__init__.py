"""City appraisal of the communes' self-scores."""
