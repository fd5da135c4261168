"""Zalo OA and Facebook Page: inbound webhooks, the commune settings page, answering on the channel."""
