"""The secretariat's workbench 机关工作台, the staff search and the leaders' home.

It reads every app (proposals, activities, consultations, roll-ups), so it lives in ``cppcc_portal/``, which wires
the apps together and sits outside the app layers (docs/DEVELOPING.md); it writes nothing.
"""
