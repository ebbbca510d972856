"""Parts of the script tab (`desktop.script_tab.ScriptTab`): worker, preview, outline, footage."""
