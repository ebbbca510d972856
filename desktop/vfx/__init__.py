"""Parts of the VFX tab (``desktop.vfx_tab``): the picture canvas and the element form."""
