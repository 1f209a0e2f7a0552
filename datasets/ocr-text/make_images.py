"""Renders the text-detection validation images of datasets/ocr-text/ (run from the repository root).

Each image is 160 x 160 RGB: one of five backgrounds (flat, gradient, paper, stripes, blurred colour
blobs), then zero to three lines of text in a DejaVu font (Debian package fonts-dejavu-core), in a
colour that contrasts with the background, each line turned by up to 4 degrees. Saved as JPEG
(quality 90), so the pixels carry the usual compression artefacts. Where every line was drawn goes
to boxes.json (axis-aligned boxes in pixels, [x0, y0, x1, y1], x1 and y1 exclusive).

Everything is drawn from fixed seeds: the same Pillow, FreeType and libjpeg give the same bytes.

Usage: /usr/bin/python3 datasets/ocr-text/make_images.py [--count 200] [--out datasets/ocr-text/images]
"""

import argparse
import json
import math
import os
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SIZE = 160
FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FONTS = [
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansCondensed.ttf",
]
WORDS = [
    "EXIT", "OPEN", "CLOSED", "SALE", "STOP", "Bakery", "Pharmacy", "Coffee", "Platform 2",
    "No parking", "Fresh bread", "Entrance", "Gate B12", "Hotel", "Taxi", "Bus 47", "Menu",
    "Tickets", "Push", "Pull", "Toilets", "Library", "Museum", "Books", "Repairs", "Station",
    "Welcome", "Thank you", "Bike lane", "Keep left", "Level 3", "Room 214", "Delivery",
    "Price 4.99", "12:45", "2026-03-18", "Total 38.20", "Fragile", "This side up", "Lot 7",
    "Batch 0412", "Best before", "Net 500 g", "Made in EU", "Aisle 9", "Open 24h", "Sun-Thu",
]


def luminance(rgb):
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


def random_colour(rng):
    return tuple(int(c) for c in rng.integers(0, 256, 3))


def background(kind, rng):
    """A float array [SIZE, SIZE, 3] in 0..255."""
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64) / SIZE
    if kind == "flat":
        img = np.ones((SIZE, SIZE, 3)) * np.array(random_colour(rng), dtype=np.float64)
    elif kind == "gradient":
        a, b = np.array(random_colour(rng), float), np.array(random_colour(rng), float)
        angle = rng.uniform(0, 2 * math.pi)
        t = (x * math.cos(angle) + y * math.sin(angle))
        t = (t - t.min()) / max(t.max() - t.min(), 1e-9)
        img = a + (b - a) * t[..., None]
    elif kind == "paper":
        base = np.array(random_colour(rng), float) * 0.3 + 178
        noise = rng.normal(0, 18, (SIZE, SIZE))
        noise = np.asarray(Image.fromarray(np.uint8(np.clip(noise + 128, 0, 255))).filter(ImageFilter.GaussianBlur(1.5)), float) - 128
        img = base + noise[..., None]
    elif kind == "stripes":
        a, b = np.array(random_colour(rng), float), np.array(random_colour(rng), float)
        period = rng.uniform(0.05, 0.3)
        angle = rng.uniform(0, math.pi)
        t = 0.5 + 0.5 * np.sin(2 * math.pi * (x * math.cos(angle) + y * math.sin(angle)) / period)
        img = a + (b - a) * (0.35 * t[..., None])
    else:  # blobs: a soft photograph-like scene
        img = np.ones((SIZE, SIZE, 3)) * np.array(random_colour(rng), float)
        for _ in range(int(rng.integers(3, 7))):
            cx, cy, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.1, 0.5)
            w = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))[..., None]
            img = img * (1 - w) + np.array(random_colour(rng), float) * w
        img = img + rng.normal(0, 6, (SIZE, SIZE, 3))
    return np.clip(img, 0, 255)


def text_colour(bg_lum, rng):
    """Dark text on a light background and light on dark, with some colour."""
    if bg_lum > 128:
        return tuple(int(c) for c in rng.integers(0, 90, 3))
    return tuple(int(c) for c in rng.integers(190, 256, 3))


def draw_lines(img, rng, prng):
    """Draws 0-3 lines of text; returns their boxes."""
    boxes = []
    count = int(rng.choice([0, 1, 1, 2, 2, 2, 3, 3]))
    top = int(rng.integers(4, 30))
    for _ in range(count):
        font = ImageFont.truetype(os.path.join(FONT_DIR, prng.choice(FONTS)), int(rng.integers(14, 31)))
        text = prng.choice(WORDS)
        left, t0, right, b0 = font.getbbox(text)
        w, h = right - left, b0 - t0
        if w > SIZE - 8:
            continue
        if top + h + 4 > SIZE:
            break
        x = int(rng.integers(4, SIZE - w - 3))
        region = np.asarray(img, float)[top:top + h, x:x + w]
        colour = text_colour(luminance(region.reshape(-1, 3).mean(0)), rng)
        layer = Image.new("L", (w + 16, h + 16), 0)
        ImageDraw.Draw(layer).text((8 - left, 8 - t0), text, font=font, fill=255)
        layer = layer.rotate(float(rng.uniform(-4, 4)), resample=Image.BICUBIC, expand=False)
        img.paste(Image.new("RGB", layer.size, colour), (x - 8, top - 8), layer)
        ys, xs = np.nonzero(np.asarray(layer) > 64)
        if len(xs) > 0:
            boxes.append([int(x - 8 + xs.min()), int(top - 8 + ys.min()), int(x - 8 + xs.max() + 1), int(top - 8 + ys.max() + 1)])
        top += h + int(rng.integers(8, 28))
    return boxes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--out", default="datasets/ocr-text/images")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(17)
    prng = random.Random(17)
    kinds = ["flat", "gradient", "paper", "stripes", "blobs"]
    all_boxes = {}
    for i in range(args.count):
        bg = background(kinds[i % len(kinds)], rng)
        img = Image.fromarray(np.uint8(np.round(bg)), "RGB")
        boxes = draw_lines(img, rng, prng)
        name = f"img-{i:03d}.jpg"
        img.save(os.path.join(args.out, name), quality=90)
        all_boxes[name] = boxes
    with open(os.path.join(os.path.dirname(args.out.rstrip("/")), "boxes.json"), "w") as f:
        json.dump({"size": [SIZE, SIZE], "boxes": all_boxes}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
