"""The Audience tab: the channel's history, the model's skill, predictions and thumbnails."""
