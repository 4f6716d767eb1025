"""Images: keep original bytes when allowed, convert only what must change, stable content-hash names."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from bedrock_ft.core.confined_files import MediaRoots
from bedrock_ft.core.models import MB, ImageRules, find_model
from bedrock_ft.data.images import ImageStore
from bedrock_ft.data.templates import RecordError
from helpers.dataset_helpers import image_bytes

LLAMA_RULES = find_model("meta.llama3-2-11b-instruct-v1:0").images
NOVA_RULES = find_model("amazon.nova-lite-v1:0").images


def store(tmp_path: Path, rules: ImageRules | None = None, **kwargs) -> ImageStore:
    """A store whose image paths may be anywhere under ``tmp_path`` (the dataset folder of these tests)."""
    kwargs.setdefault("roots", MediaRoots.of([tmp_path]))
    return ImageStore(tmp_path / "out", rules or NOVA_RULES, **kwargs)


def add(s: ImageStore, value, base_dir: Path | None = None):
    return s.add(value, base_dir=base_dir, record="rec 1", field_name="image")


def test_allowed_png_keeps_its_bytes(tmp_path: Path, make_image) -> None:
    path = make_image("a.png")
    s = store(tmp_path)
    stored = add(s, str(path))
    assert not stored.converted
    assert (s.out_dir / stored.relative_path).read_bytes() == path.read_bytes()


def test_name_is_the_sha256_of_the_bytes(tmp_path: Path, make_image) -> None:
    path = make_image("a.png")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert add(store(tmp_path), str(path)).relative_path == f"images/{digest[:2]}/{digest}.png"


def test_jpeg_keeps_its_bytes_and_format(tmp_path: Path, make_image) -> None:
    stored = add(store(tmp_path), str(make_image("a.jpg", fmt="JPEG")))
    assert (stored.format, stored.converted) == ("jpeg", False)


def test_same_image_is_stored_once(tmp_path: Path, make_image) -> None:
    s = store(tmp_path)
    add(s, str(make_image("a.png")))
    add(s, str(make_image("b.png")))
    assert s.count == 1


def test_relative_path_resolves_against_base_dir(tmp_path: Path, make_image) -> None:
    make_image("pics/a.png")
    assert add(store(tmp_path), "pics/a.png", base_dir=tmp_path).format == "png"


def test_hugging_face_bytes_dict_is_read(tmp_path: Path) -> None:
    assert add(store(tmp_path), {"bytes": image_bytes(), "path": "x.png"}).format == "png"


def test_pil_image_is_encoded(tmp_path: Path) -> None:
    assert add(store(tmp_path), Image.new("RGB", (20, 20))).format == "png"


def test_bmp_is_converted_to_png(tmp_path: Path, make_image) -> None:
    s = store(tmp_path)
    stored = add(s, str(make_image("a.bmp", fmt="BMP")))
    assert (stored.format, stored.converted, s.converted_count) == ("png", True, 1)
    assert Image.open(s.out_dir / stored.relative_path).format == "PNG"


def test_cmyk_jpeg_is_converted_to_rgb_jpeg(tmp_path: Path, make_image) -> None:
    s = store(tmp_path)
    stored = add(s, str(make_image("a.jpg", fmt="JPEG", mode="CMYK", color=(0, 200, 200, 0))))
    assert (stored.format, stored.converted) == ("jpeg", True)
    assert Image.open(s.out_dir / stored.relative_path).mode == "RGB"


def test_webp_is_converted_when_the_model_does_not_take_it(tmp_path: Path, make_image) -> None:
    rules = find_model("amazon.nova-2-lite-v1:0").images
    stored = add(store(tmp_path, rules), str(make_image("a.webp", fmt="WEBP")))
    assert (stored.format, stored.converted) == ("png", True)


def test_oversized_image_is_scaled_to_the_pixel_limit(tmp_path: Path, make_image) -> None:
    rules = ImageRules(formats=frozenset({"png"}), max_per_record=1, max_bytes=10 * MB, min_side=10, max_side=100)
    stored = add(store(tmp_path, rules), str(make_image("big.png", size=(400, 200))))
    assert (stored.width, stored.height, stored.converted) == (100, 50, True)


def test_tiny_image_is_scaled_up_to_the_minimum(tmp_path: Path, make_image) -> None:
    stored = add(store(tmp_path, LLAMA_RULES), str(make_image("tiny.png", size=(5, 20))))
    assert stored.converted and min(stored.width, stored.height) >= 10


def test_image_over_the_byte_limit_is_reencoded_smaller(tmp_path: Path) -> None:
    import random

    rng = random.Random(1)
    noisy = Image.frombytes("RGB", (200, 200), bytes(rng.getrandbits(8) for _ in range(200 * 200 * 3)))
    path = tmp_path / "noisy.png"
    noisy.save(path)
    rules = ImageRules(formats=frozenset({"png", "jpeg"}), max_per_record=1, max_bytes=40_000)
    stored = add(store(tmp_path, rules), str(path))
    assert stored.converted and stored.size_bytes <= 40_000


def test_force_reencode_converts_an_allowed_image(tmp_path: Path, make_image) -> None:
    assert add(store(tmp_path, force_reencode=True), str(make_image("a.png"))).converted


def test_unreadable_image_names_record_and_field(tmp_path: Path) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(b"not an image")
    with pytest.raises(RecordError) as caught:
        add(store(tmp_path), str(path))
    assert (caught.value.record, caught.value.field) == ("rec 1", "image")
    assert "not a readable image" in caught.value.reason


def test_unreadable_image_message_shows_no_python_object(tmp_path: Path) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(b"not an image")
    with pytest.raises(RecordError) as caught:
        add(store(tmp_path), str(path))
    assert "<_io." not in caught.value.reason and " at 0x" not in caught.value.reason


def test_truncated_png_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.png"
    path.write_bytes(image_bytes(size=(64, 64))[:-30])
    with pytest.raises(RecordError):
        add(store(tmp_path), str(path))


def test_missing_image_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="does not exist"):
        add(store(tmp_path), str(tmp_path / "gone.png"))


def test_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="URL"):
        add(store(tmp_path), "https://example.com/a.png")


def test_a_shared_image_is_decoded_once(tmp_path: Path, make_image, monkeypatch: pytest.MonkeyPatch) -> None:
    import bedrock_ft.data.images as images_module

    calls: list[int] = []
    real = images_module.decode
    monkeypatch.setattr(images_module, "decode", lambda data: calls.append(1) or real(data))
    s = store(tmp_path)
    path = str(make_image("a.bmp", fmt="BMP"))
    first, second = add(s, path), add(s, path)
    assert (len(calls), first, s.converted_count, s.count) == (1, second, 2, 1)


def test_an_image_shared_all_along_stays_decoded_while_others_come_and_go(
    tmp_path: Path, make_image, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bedrock_ft.data.images as images_module

    calls: list[int] = []
    real = images_module.decode
    monkeypatch.setattr(images_module, "decode", lambda data: calls.append(1) or real(data))
    monkeypatch.setattr(images_module, "DECODED_CACHE_SIZE", 2)
    s = store(tmp_path)
    shared = str(make_image("shared.bmp", fmt="BMP"))
    others = [str(make_image(f"{n}.bmp", fmt="BMP", size=(50 + n, 30))) for n in range(3)]
    add(s, shared)
    for other in others:  # three others through a cache of two: the shared image, used in between, is kept
        add(s, other)
        add(s, shared)
    assert len(calls) == 1 + len(others)


def test_a_truncated_animated_gif_frame_is_an_error(tmp_path: Path) -> None:
    frames = [Image.effect_noise((64, 64), 80 + i).convert("P") for i in range(4)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 300])  # the last frame cut short; the first decodes whole
    first = Image.open(path)
    first.load()
    with pytest.raises(RecordError, match="damaged or truncated"):
        add(store(tmp_path), str(path))


def test_embedded_bytes_over_the_limit_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="the limit is 10"):
        add(store(tmp_path, max_source_bytes=10), {"bytes": image_bytes(), "path": None})


def test_a_path_without_roots_is_refused(tmp_path: Path, make_image) -> None:
    with pytest.raises(RecordError, match="is outside any dataset folder"):
        add(ImageStore(tmp_path / "out", NOVA_RULES), str(make_image("a.png")))
