"""The transcript panel: the selected clip's words following the playhead, click to seek,
select to mark In/Out, search across every transcribed clip."""
