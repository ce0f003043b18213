"""The Tk target window run by ``desktop.TargetWindow`` (``python -m`` this, LOG_PATH)."""

from __future__ import annotations

import json
import random
import sys
import tkinter as tk

from alphaomega.testing.desktop import colour_hex


def main(log_path: str, busy: bool) -> None:
    def report(event: dict) -> None:
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(event) + "\n")

    root = tk.Tk()
    root.title("AlphaOmega target")
    root.geometry("+40+40")
    if busy:  # a desktop-like picture behind the form: a photo, shapes and text
        width, height = root.winfo_screenwidth(), root.winfo_screenheight()
        root.geometry(f"{width - 80}x{height - 80}+40+40")
        canvas = tk.Canvas(root, width=width - 80, height=height - 380, highlightthickness=0)
        canvas.pack(side="bottom")
        photo = tk.PhotoImage(data=_photo_png((width - 80) // 2, height - 380))
        canvas.create_image(0, 0, anchor="nw", image=photo)
        canvas.photo = photo  # type: ignore[attr-defined]  # Tk keeps no reference of its own
        rng = random.Random(7)
        left = (width - 80) // 2
        for _ in range(500):
            x, y = left + rng.randrange(left), rng.randrange(height)
            colour = f"#{rng.randrange(0xFFFFFF):06x}"
            canvas.create_rectangle(
                x, y, x + rng.randrange(8, 90), y + rng.randrange(8, 60), fill=colour, outline=""
            )
        words = ["alpha", "omega", "file.txt", "OK", "README", "13:37"]
        for row in range(30):
            line = " ".join(rng.choice(words) for _ in range(10))
            canvas.create_text(
                left + 20, 20 + row * 22, anchor="w", font=("TkFixedFont", 11), text=line
            )
    field = tk.Entry(
        root,
        width=30,
        bg=colour_hex("field"),
        font=("TkDefaultFont", 14),
        relief="flat",
        highlightthickness=0,
    )
    label = tk.Label(
        root, text="Waiting", bg=colour_hex("label"), width=30, font=("TkDefaultFont", 14)
    )

    def clicked(name: str) -> None:
        text = field.get()
        if name == "Submit":
            label.configure(text=f"Submitted: {text}", bg=colour_hex("label_submitted"))
        else:
            label.configure(text="Cancelled", bg=colour_hex("label"))
        report({"event": "click", "button": name, "text": text, "label": label.cget("text")})

    buttons = []
    for name in ("Submit", "Cancel"):
        colour = colour_hex(name)
        button = tk.Button(
            root,
            text=name,
            bg=colour,
            activebackground=colour,
            fg="white",
            activeforeground="white",
            font=("TkDefaultFont", 14),
            width=10,
            relief="flat",
            highlightthickness=0,
            command=lambda n=name: clicked(n),
        )
        buttons.append((name, button))
    field.pack(padx=20, pady=(20, 10))
    for _, button in buttons:
        button.pack(padx=20, pady=6)
    label.pack(padx=20, pady=(10, 20))

    def announce() -> None:
        root.update_idletasks()
        widgets = {"field": field, "label": label, **dict(buttons)}
        report(
            {
                "event": "ready",
                "widgets": {
                    name: [w.winfo_rootx(), w.winfo_rooty(), w.winfo_width(), w.winfo_height()]
                    for name, w in widgets.items()
                },
            }
        )

    root.after(400, announce)
    root.mainloop()


def _photo_png(width: int, height: int) -> str:
    """A photo-like picture (smooth light, texture and sensor noise), as base64 PNG."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(7)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [
            120 + 80 * np.sin(xs / 170.0) * np.cos(ys / 210.0),
            110 + 70 * np.cos(xs / 230.0 + 1.0) * np.sin(ys / 150.0),
            140 + 60 * np.sin((xs + ys) / 260.0),
        ],
        axis=2,
    )
    texture = 18 * np.sin(xs / 7.0)[..., None] * np.cos(ys / 9.0)[..., None]
    noise = rng.normal(0, 7, size=base.shape)
    pixels = np.clip(base + texture + noise, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, format="PNG", compress_level=1)
    return base64.b64encode(out.getvalue()).decode("ascii")


if __name__ == "__main__":
    main(sys.argv[1], "--busy" in sys.argv[2:])
