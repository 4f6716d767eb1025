"""A small web-accessibility vision dataset, rendered with Pillow: UI mock-ups that each carry one accessibility fault.

Each record has the shape of the Hugging Face dataset ``doodoo77/For_VLM_accessibility``: ``image`` (a screenshot),
``html`` (the mock-up's markup, fault included) and ``outputs`` {``rationale``, ``eval_items`` (a list),
``eval_reason``, ``plan``}. The folder written is an image folder::

    OUT/metadata.jsonl        {"file_name": "images/a11y-0001.png", "html": ..., "outputs": {...}}
    OUT/images/a11y-0001.png

Beside them it writes ``system.txt`` and the presets that turn the folder into training records for Amazon Nova Lite
(``preset-nova.toml``), Amazon Nova 2 Lite (``preset-nova-2-lite.toml``) and Llama 3.2 11B Vision
(``preset-llama32-vision.toml``); this module is their only source, so
the demo (which runs from an installed package, without the repository's dataset folder) uses the same ones.

The output is deterministic for a given ``count`` and ``seed``. Regenerate the copy in the repository with::

    python -m bedrock_ft.data.samples.accessibility dataset/accessibility
    python -m bedrock_ft.data.samples.accessibility /tmp/a11y --count 2000     # scale it up (benchmarks)
"""

from __future__ import annotations

import argparse
import functools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 320, 220
DEFAULT_COUNT = 32
IMAGE_PREFIX = "a11y-"


@dataclass(frozen=True)
class Site:
    name: str
    topic: str  # what the page is about
    accent: tuple[int, int, int]
    action: str  # the page's main action
    field: str  # a form field that fits the site
    item: str  # a thing the site shows


SITES = (
    Site("Harbor Bank", "online banking", (23, 76, 140), "Transfer money", "Account number", "statement"),
    Site("Green Basket", "grocery shop", (46, 125, 50), "Add to basket", "Delivery postcode", "product photo"),
    Site("City Library", "library catalogue", (121, 85, 72), "Reserve book", "Library card number", "book cover"),
    Site("Trailhead Travel", "travel booking", (0, 121, 107), "Search trips", "Departure date", "destination photo"),
    Site("Daily Ledger", "news site", (69, 39, 160), "Subscribe", "Email address", "article photo"),
    Site("Pulse Clinic", "clinic appointments", (183, 28, 28), "Book appointment", "Date of birth", "doctor portrait"),
)


@dataclass(frozen=True)
class Fault:
    key: str
    criteria: tuple[str, ...]  # WCAG 2.2 success criteria it fails
    draw: Callable[[ImageDraw.ImageDraw, Site, random.Random, Any], None]
    html: Callable[[Site, random.Random], str]
    rationale: str
    eval_reason: str
    plan: str


@functools.cache
def _font(size: int) -> Any:
    return ImageFont.load_default(size=size)


def _frame(draw: ImageDraw.ImageDraw, site: Site, fonts: Any, index: int) -> None:
    draw.rectangle((0, 0, WIDTH, 34), fill=site.accent)
    draw.text((12, 9), site.name, fill="white", font=fonts["title"])
    draw.rectangle((0, HEIGHT - 18, WIDTH, HEIGHT), fill=(236, 239, 241))
    draw.text((12, HEIGHT - 15), f"{site.topic} - screen {index + 1}", fill=(84, 110, 122), font=fonts["small"])


def _button(
    draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], text: str, fill: Any, fonts: Any, color: Any = "white"
) -> None:
    draw.rounded_rectangle(box, radius=5, fill=fill)
    draw.text((box[0] + 10, box[1] + (box[3] - box[1]) // 2 - 7), text, fill=color, font=fonts["body"])


# -- the faults ----------------------------------------------------------------------------------------------------


def _draw_icon_buttons(draw: ImageDraw.ImageDraw, site: Site, rng: random.Random, fonts: Any) -> None:
    draw.text((12, 48), f"Welcome to {site.name}", fill=(33, 33, 33), font=fonts["body"])
    x = 12
    for icon in rng.sample(["search", "cart", "menu", "bell"], 3):
        draw.rounded_rectangle((x, 80, x + 40, 120), radius=6, outline=site.accent, width=2)
        cx, cy = x + 20, 100
        if icon == "search":
            draw.ellipse((cx - 9, cy - 9, cx + 5, cy + 5), outline=site.accent, width=2)
            draw.line((cx + 4, cy + 4, cx + 10, cy + 10), fill=site.accent, width=3)
        elif icon == "cart":
            draw.polygon(
                [(cx - 10, cy - 6), (cx + 10, cy - 6), (cx + 6, cy + 6), (cx - 6, cy + 6)], outline=site.accent
            )
            draw.ellipse((cx - 6, cy + 8, cx - 2, cy + 12), fill=site.accent)
            draw.ellipse((cx + 2, cy + 8, cx + 6, cy + 12), fill=site.accent)
        elif icon == "menu":
            for dy in (-7, 0, 7):
                draw.line((cx - 10, cy + dy, cx + 10, cy + dy), fill=site.accent, width=3)
        else:
            draw.pieslice((cx - 9, cy - 10, cx + 9, cy + 10), 180, 360, fill=site.accent)
            draw.rectangle((cx - 9, cy, cx + 9, cy + 5), fill=site.accent)
        x += 52
    draw.text((12, 140), f"Latest {site.item}s are below.", fill=(66, 66, 66), font=fonts["body"])


def _html_icon_buttons(site: Site, rng: random.Random) -> str:
    return (
        f"<header><h1>{site.name}</h1></header>\n<main><p>Welcome to {site.name}</p>\n"
        '<div class="toolbar">\n  <button class="icon"><svg viewBox="0 0 24 24"><path d="M10 2a8 8 0 1 0 5 14l5 5"/>'
        '</svg></button>\n  <button class="icon"><svg viewBox="0 0 24 24"><path d="M3 6h18"/></svg></button>\n'
        '  <button class="icon"><svg viewBox="0 0 24 24"><circle cx="12" cy="12" r="8"/></svg></button>\n</div>\n'
        f"<p>Latest {site.item}s are below.</p></main>"
    )


def _draw_low_contrast(draw: ImageDraw.ImageDraw, site: Site, rng: random.Random, fonts: Any) -> None:
    grey = rng.choice([(190, 190, 190), (200, 200, 200), (185, 190, 195)])
    draw.text((12, 48), f"{site.action} today", fill=(33, 33, 33), font=fonts["title"])
    for n, line in enumerate(
        ["Fees and limits apply to every", f"{site.topic} order. Read the terms", "before you continue."]
    ):
        draw.text((12, 80 + n * 18), line, fill=grey, font=fonts["body"])
    _button(draw, (12, 150, 170, 182), site.action, site.accent, fonts)


def _html_low_contrast(site: Site, rng: random.Random) -> str:
    return (
        f'<main><h2>{site.action} today</h2>\n<p style="color:#bebebe;background:#ffffff">Fees and limits apply to '
        f"every {site.topic} order. Read the terms before you continue.</p>\n<button>{site.action}</button></main>"
    )


def _draw_missing_alt(draw: ImageDraw.ImageDraw, site: Site, rng: random.Random, fonts: Any) -> None:
    for n in range(2):
        x = 12 + n * 150
        shade = tuple(min(255, c + 60 + 30 * n) for c in site.accent)
        draw.rectangle((x, 48, x + 138, 128), fill=shade)
        draw.polygon([(x + 20, 120), (x + 60, 70), (x + 100, 120)], fill=site.accent)
        draw.ellipse((x + 100, 56, x + 122, 78), fill=(255, 235, 59))
        draw.text((x, 136), f"{site.item.title()} {n + 1}", fill=(33, 33, 33), font=fonts["body"])
    draw.text((12, 164), "Tap a picture to see details.", fill=(66, 66, 66), font=fonts["small"])


def _html_missing_alt(site: Site, rng: random.Random) -> str:
    slug = site.item.replace(" ", "-")
    return (
        f'<section class="gallery">\n  <figure><img src="/media/{slug}-1.jpg"><p>{site.item.title()} 1</p></figure>\n'
        f'  <figure><img src="/media/{slug}-2.jpg"><p>{site.item.title()} 2</p></figure>\n'
        "  <p>Tap a picture to see details.</p>\n</section>"
    )


def _draw_missing_label(draw: ImageDraw.ImageDraw, site: Site, rng: random.Random, fonts: Any) -> None:
    draw.text((12, 46), site.action, fill=(33, 33, 33), font=fonts["title"])
    for n, placeholder in enumerate([site.field, "Your name"]):
        top = 76 + n * 40
        draw.rectangle((12, top, 250, top + 28), outline=(158, 158, 158), width=1)
        draw.text((20, top + 7), placeholder, fill=(170, 170, 170), font=fonts["body"])
    _button(draw, (12, 160, 130, 188), "Continue", site.accent, fonts)


def _html_missing_label(site: Site, rng: random.Random) -> str:
    name = site.field.lower().replace(" ", "_")
    return (
        f'<form><h2>{site.action}</h2>\n  <input type="text" name="{name}" placeholder="{site.field}">\n'
        '  <input type="text" name="full_name" placeholder="Your name">\n'
        '  <button type="submit">Continue</button>\n</form>'
    )


def _draw_tiny_targets(draw: ImageDraw.ImageDraw, site: Site, rng: random.Random, fonts: Any) -> None:
    draw.text((12, 46), f"Rate this {site.item}", fill=(33, 33, 33), font=fonts["title"])
    for n in range(5):
        x = 12 + n * 14
        draw.rectangle((x, 80, x + 10, 90), fill=(255, 193, 7))
    draw.text((12, 110), "Share:", fill=(66, 66, 66), font=fonts["body"])
    for n, color in enumerate([(59, 89, 152), (29, 161, 242), (37, 211, 102)]):
        x = 64 + n * 13
        draw.rectangle((x, 112, x + 9, 121), fill=color)
    draw.text((12, 150), "Controls are 10 px wide.", fill=(120, 120, 120), font=fonts["small"])


def _html_tiny_targets(site: Site, rng: random.Random) -> str:
    stars = "".join(f'<a href="#rate-{n}" class="star" style="width:10px;height:10px"></a>' for n in range(1, 6))
    return (
        f'<div class="rating"><h2>Rate this {site.item}</h2>\n  {stars}\n</div>\n'
        '<div class="share">Share: <a href="#fb" class="s" style="width:9px;height:9px"></a>'
        '<a href="#x" class="s" style="width:9px;height:9px"></a></div>'
    )


def _draw_color_only_error(draw: ImageDraw.ImageDraw, site: Site, rng: random.Random, fonts: Any) -> None:
    draw.text((12, 46), "Sign in", fill=(33, 33, 33), font=fonts["title"])
    draw.text((12, 74), site.field, fill=(66, 66, 66), font=fonts["small"])
    draw.rectangle((12, 88, 250, 114), outline=(229, 57, 53), width=2)
    draw.text((20, 94), rng.choice(["12-34", "abc", "0000"]), fill=(33, 33, 33), font=fonts["body"])
    draw.text((12, 122), "Password", fill=(66, 66, 66), font=fonts["small"])
    draw.rectangle((12, 136, 250, 162), outline=(158, 158, 158), width=1)
    _button(draw, (12, 172, 110, 196), "Sign in", site.accent, fonts)


def _html_color_only_error(site: Site, rng: random.Random) -> str:
    return (
        f'<form><h2>Sign in</h2>\n  <label for="f1">{site.field}</label>\n'
        '  <input id="f1" style="border:2px solid #e53935">\n  <label for="f2">Password</label>\n'
        '  <input id="f2" type="password">\n  <button>Sign in</button>\n</form>'
    )


def _draw_vague_links(draw: ImageDraw.ImageDraw, site: Site, rng: random.Random, fonts: Any) -> None:
    lines = [f"New {site.item}s are in.", "Opening hours have changed.", f"{site.action} is now faster."]
    for n, line in enumerate(lines):
        top = 48 + n * 42
        draw.text((12, top), line, fill=(33, 33, 33), font=fonts["body"])
        draw.text(
            (12, top + 18), rng.choice(["Click here", "Read more", "More"]), fill=(25, 118, 210), font=fonts["body"]
        )
        draw.line((12, top + 34, 80, top + 34), fill=(25, 118, 210))


def _html_vague_links(site: Site, rng: random.Random) -> str:
    return (
        f'<ul class="news">\n  <li>New {site.item}s are in. <a href="/new">Click here</a></li>\n'
        '  <li>Opening hours have changed. <a href="/hours">Read more</a></li>\n'
        f'  <li>{site.action} is now faster. <a href="/help">More</a></li>\n</ul>'
    )


def _draw_no_focus(draw: ImageDraw.ImageDraw, site: Site, rng: random.Random, fonts: Any) -> None:
    draw.text((12, 46), "Keyboard: Tab pressed 3 times", fill=(96, 96, 96), font=fonts["small"])
    for n, label in enumerate(["Home", "Offers", site.action, "Help"]):
        _button(draw, (12 + n * 74, 72, 80 + n * 74, 102), label[:9], site.accent, fonts)
    draw.text((12, 124), "Which button has focus? No ring shows it.", fill=(66, 66, 66), font=fonts["small"])


def _html_no_focus(site: Site, rng: random.Random) -> str:
    return (
        "<style>button:focus { outline: none; box-shadow: none; }</style>\n<nav>\n  <button>Home</button>\n"
        f"  <button>Offers</button>\n  <button>{site.action}</button>\n  <button>Help</button>\n</nav>"
    )


def _draw_fake_headings(draw: ImageDraw.ImageDraw, site: Site, rng: random.Random, fonts: Any) -> None:
    for n, (title, body) in enumerate([("Opening hours", "Mon-Fri 9 to 17"), ("Contact", "Call or write to us")]):
        top = 46 + n * 64
        draw.text((12, top), title, fill=site.accent, font=fonts["title"])
        draw.text((12, top + 26), body, fill=(66, 66, 66), font=fonts["body"])
    draw.text((12, 176), "Big bold text, but no heading markup.", fill=(120, 120, 120), font=fonts["small"])


def _html_fake_headings(site: Site, rng: random.Random) -> str:
    return (
        '<div class="big-bold">Opening hours</div>\n<p>Mon-Fri 9 to 17</p>\n'
        '<div class="big-bold">Contact</div>\n<p>Call or write to us</p>'
    )


def _draw_autoplay(draw: ImageDraw.ImageDraw, site: Site, rng: random.Random, fonts: Any) -> None:
    draw.rectangle((12, 44, 308, 150), fill=tuple(min(255, c + 90) for c in site.accent))
    draw.text((24, 80), f"{site.action}: offer {rng.randint(1, 5)} of 5", fill=(33, 33, 33), font=fonts["title"])
    for n in range(5):
        draw.ellipse((130 + n * 14, 134, 138 + n * 14, 142), fill=site.accent if n == 2 else (255, 255, 255))
    draw.text((12, 160), "Slides change every 3 s; no pause.", fill=(96, 96, 96), font=fonts["small"])


def _html_autoplay(site: Site, rng: random.Random) -> str:
    return (
        '<div class="carousel" data-autoplay="3000" data-loop="true">\n'
        f'  <div class="slide">{site.action}: offer 1 of 5</div>\n  <div class="slide">Offer 2 of 5</div>\n'
        '  <div class="dots"><span></span><span></span><span></span></div>\n</div>'
    )


FAULTS = (
    Fault(
        "unlabelled-icon-buttons",
        ("4.1.2 Name, Role, Value", "1.1.1 Non-text Content"),
        _draw_icon_buttons,
        _html_icon_buttons,
        "The toolbar buttons show only icons and have no text, aria-label or title, so a screen reader announces "
        "them as 'button' with no name.",
        "Interactive controls need an accessible name; icon-only buttons without one fail 4.1.2.",
        'Add aria-label to each button (for example aria-label="Search"), mark the svg aria-hidden="true", '
        "and check the names with a screen reader.",
    ),
    Fault(
        "low-contrast-text",
        ("1.4.3 Contrast (Minimum)",),
        _draw_low_contrast,
        _html_low_contrast,
        "The paragraph is light grey (#bebebe) on white, a contrast ratio near 1.8:1.",
        "Body text needs at least 4.5:1 against its background; this text is far below it.",
        "Darken the text to #595959 or darker (7:1 on white), and recheck every text colour with a contrast checker.",
    ),
    Fault(
        "image-without-alt",
        ("1.1.1 Non-text Content",),
        _draw_missing_alt,
        _html_missing_alt,
        "Both gallery images have no alt attribute, so assistive technology reads the file name or nothing.",
        "Informative images need a text alternative that says what they show.",
        'Add alt text that describes each picture; use alt="" only for purely decorative images.',
    ),
    Fault(
        "missing-form-labels",
        ("1.3.1 Info and Relationships", "3.3.2 Labels or Instructions"),
        _draw_missing_label,
        _html_missing_label,
        "The inputs rely on placeholder text only; the hint disappears on typing and is not a programmatic label.",
        "Form fields need a visible label tied to the input; a placeholder is not a label.",
        "Add a <label for> for each input (or aria-labelledby), keep it visible above the field, and keep the "
        "placeholder for examples only.",
    ),
    Fault(
        "tiny-touch-targets",
        ("2.5.8 Target Size (Minimum)",),
        _draw_tiny_targets,
        _html_tiny_targets,
        "The rating stars and share links are about 10 by 10 px and packed 3 to 4 px apart.",
        "Pointer targets must be at least 24 by 24 CSS px or have enough spacing; these are too small to hit.",
        "Make each control at least 24 by 24 px (44 by 44 px is better on touch screens) and add spacing.",
    ),
    Fault(
        "colour-only-error",
        ("1.4.1 Use of Color", "3.3.1 Error Identification"),
        _draw_color_only_error,
        _html_color_only_error,
        "The invalid field is marked only by a red border; there is no message and no icon.",
        "Errors must be identified in text, not by colour alone; people who cannot see red miss it.",
        'Add an error message next to the field, link it with aria-describedby, set aria-invalid="true", and '
        "add an icon beside the red border.",
    ),
    Fault(
        "vague-link-text",
        ("2.4.4 Link Purpose (In Context)",),
        _draw_vague_links,
        _html_vague_links,
        "Three links read 'Click here', 'Read more' and 'More'; a links list gives no idea where they go.",
        "Link text must say where the link leads, alone or with its context.",
        "Rewrite the links to name their target (for example 'See the new opening hours').",
    ),
    Fault(
        "no-focus-indicator",
        ("2.4.7 Focus Visible",),
        _draw_no_focus,
        _html_no_focus,
        "The stylesheet removes the focus outline, so keyboard users cannot see which button is focused.",
        "Every focusable control needs a visible focus indicator.",
        "Remove outline:none, or replace it with a clear :focus-visible style (a 2 px ring with 3:1 contrast).",
    ),
    Fault(
        "fake-headings",
        ("1.3.1 Info and Relationships", "2.4.6 Headings and Labels"),
        _draw_fake_headings,
        _html_fake_headings,
        "The section titles look like headings but are styled div elements, so they are not in the heading outline.",
        "Visual structure must be in the markup; screen reader users navigate by headings.",
        "Use h2 elements for the section titles and keep the styling in CSS.",
    ),
    Fault(
        "autoplay-carousel",
        ("2.2.2 Pause, Stop, Hide",),
        _draw_autoplay,
        _html_autoplay,
        "The carousel advances every 3 seconds, loops forever and has no pause control.",
        "Moving content that lasts more than 5 seconds needs a way to pause, stop or hide it.",
        "Add a visible pause button, stop on hover and focus, and respect prefers-reduced-motion.",
    ),
)


def render_record(index: int, seed: int = 0) -> tuple[Image.Image, dict[str, Any]]:
    """The screenshot and the fields (without the file name) of record ``index``."""
    rng = random.Random(f"a11y:{seed}:{index}")
    fault = FAULTS[index % len(FAULTS)]
    site = SITES[(index // len(FAULTS) + index) % len(SITES)]
    fonts = {"title": _font(16), "body": _font(12), "small": _font(10)}
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    _frame(draw, site, fonts, index)
    fault.draw(draw, site, rng, fonts)
    html = fault.html(site, rng)
    items = [f"{criterion}: fail" for criterion in fault.criteria]
    outputs = {
        "rationale": f"On the {site.name} {site.topic} page: {fault.rationale}",
        "eval_items": items,
        "eval_reason": fault.eval_reason,
        "plan": fault.plan,
    }
    return image.quantize(colors=48, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE), {
        "html": html,
        "outputs": outputs,
        "fault": fault.key,
        "site": site.name,
    }


SYSTEM_PROMPT = (
    "You are a web accessibility reviewer. Given a screenshot of a page and its HTML, name the WCAG 2.2 success "
    "criteria the page fails, explain why in plain words, and give a short, concrete plan to fix it."
)
_TEMPLATES = '''system = "@system.txt"
prompt_template = """Review this web page for accessibility problems. The screenshot shows how it renders; its HTML is:

{html}"""
response_template = """{outputs.rationale}

Failed checks:
{outputs.eval_items|bullets}

Why it matters: {outputs.eval_reason}

How to fix it: {outputs.plan}"""
'''
PRESETS = {
    "preset-nova.toml": (
        "# Turns the accessibility sample into Amazon Nova Lite training records (bedrock-conversation-2024).\n"
        "#   bedrock-ft generate --preset dataset/accessibility/preset-nova.toml --tf-dir infra/ --out out/a11y-nova\n"
        "validation_split = 0.2\n"
        'source = "."\n'
        'base_model = "amazon.nova-lite-v1:0:300k"\n'
        'image_column = "image"\n' + _TEMPLATES
    ),
    "preset-llama32-vision.toml": (
        "# Turns the accessibility sample into Meta Llama 3.2 11B Vision training records "
        "(bedrock-conversation-2024).\n"
        "#   bedrock-ft generate --preset dataset/accessibility/preset-llama32-vision.toml --tf-dir infra/ "
        "--out out/a11y-llama\n"
        "# Llama 3.2 needs at least 100 training records: render more with\n"
        "#   python -m bedrock_ft.data.samples.accessibility /tmp/a11y --count 200   and pass --source /tmp/a11y\n"
        'source = "."\n'
        'base_model = "meta.llama3-2-11b-instruct-v1:0"\n'
        'image_column = "image"\n' + _TEMPLATES
    ),
    "preset-nova-2-lite.toml": (
        "# Turns the accessibility sample into Amazon Nova 2 Lite training records (bedrock-conversation-2024).\n"
        "#   bedrock-ft generate --preset dataset/accessibility/preset-nova-2-lite.toml --tf-dir infra/ "
        "--out out/a11y-nova2\n"
        "# Nova 2 Lite takes no validation set (so no validation_split here) and needs at least 200 training records:\n"
        "#   python -m bedrock_ft.data.samples.accessibility /tmp/a11y --count 200   and pass --source /tmp/a11y\n"
        'source = "."\n'
        'base_model = "amazon.nova-2-lite-v1:0:256k"\n'
        'image_column = "image"\n' + _TEMPLATES
    ),
}


def write_presets(out_dir: str | Path) -> None:
    """Write ``system.txt`` and the presets into ``out_dir``, beside the sample they read."""
    out = Path(out_dir)
    (out / "system.txt").write_text(SYSTEM_PROMPT + "\n", encoding="utf-8")
    for name, text in PRESETS.items():
        (out / name).write_text(text, encoding="utf-8")


def render_sample(out_dir: str | Path, count: int = DEFAULT_COUNT, seed: int = 0) -> Path:
    """Write ``count`` records as an image folder in ``out_dir``, with its presets; returns the metadata.jsonl path."""
    out = Path(out_dir)
    images = out / "images"
    images.mkdir(parents=True, exist_ok=True)
    width = max(4, len(str(count)))
    names = set()
    metadata = out / "metadata.jsonl"
    temp = out / ".metadata.jsonl.tmp"
    try:
        with temp.open("w", encoding="utf-8", newline="\n") as handle:
            for index in range(count):
                image, fields = render_record(index, seed)
                name = f"{IMAGE_PREFIX}{index + 1:0{width}d}.png"
                names.add(name)
                image.save(images / name, "PNG", compress_level=9)
                handle.write(json.dumps({"file_name": f"images/{name}", **fields}, ensure_ascii=False) + "\n")
        temp.replace(metadata)
    except BaseException:
        temp.unlink(missing_ok=True)  # an interrupted render leaves the previous metadata.jsonl as it was
        raise
    write_presets(out)
    for stale in images.glob(f"{IMAGE_PREFIX}*.png"):
        if stale.name not in names:
            stale.unlink()
    return metadata


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bedrock_ft.data.samples.accessibility", description=__doc__.split("\n")[0]
    )
    parser.add_argument("out_dir", help="folder to write (metadata.jsonl and images/)")
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help=f"records to render (default {DEFAULT_COUNT})")
    parser.add_argument("--seed", type=int, default=0, help="varies the details (default 0)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    path = render_sample(args.out_dir, args.count, args.seed)
    print(f"wrote {args.count} records to {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
