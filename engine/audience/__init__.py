"""Audience: predict how viewers will respond to a cut, from the channel's own history.

``table`` reads an analytics export (YouTube Studio's "Table data.csv" and its likes),
``matching`` finds each row's media, ``pieces`` turns a file or an edit into what the
engine analysed of it, ``features`` measures a video the way an editor would describe
it, ``model`` learns one target with cross-validated skill and explains predictions,
``thumbnails`` picks frames that could sell the video, and ``history`` ties reading,
matching and analysis into one job.
"""
