"""The practitioner's Gradio app: grounded chat with citations and a safety panel, graph explorer, batch analysis.

Start it with ``tcm app`` (see ``docs/app.md``). The app holds no domain logic: every answer,
finding, graph fact and analysis comes from ``tcm``; this package only lays them out.

- :mod:`app.services` — the ``tcm`` objects the app shares between sessions, created and warmed once;
- :mod:`app.render` — HTML and Markdown for the panels (pure functions of ``tcm`` results);
- :mod:`app.main` — the Gradio Blocks, its event handlers, and :func:`app.main.launch`.
"""
