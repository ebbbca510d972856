"""The script tab (`desktop.script.tab.ScriptTab`) and its parts: preview, outline, footage."""
