"""The VFX tab (`desktop.vfx.tab.VfxTab`) and its parts: the picture canvas and the element form."""
