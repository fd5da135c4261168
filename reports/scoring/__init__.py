"""The 100-point table as versioned data, the rules that compute items from data, and the score."""
